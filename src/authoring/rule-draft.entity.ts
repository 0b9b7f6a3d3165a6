import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Node } from '../shared/node';
import type { ProgramDocument } from '../programs/rule-set-version.entity';
import { TierProgram } from '../programs/tier-program.entity';
import { JSONObjectScalar } from '../shared/scalars';

export enum RuleDraftStatus {
  EDITING = 'EDITING',
  SUBMITTED = 'SUBMITTED',
  APPROVED = 'APPROVED',
  PUBLISHED = 'PUBLISHED',
  DISCARDED = 'DISCARDED',
}
registerEnumType(RuleDraftStatus, { name: 'RuleDraftStatus', description: 'Where a draft is in its workflow.', valuesConfig: { EDITING: { description: 'Being edited.' }, SUBMITTED: { description: 'Submitted for approval; no more edits.' }, APPROVED: { description: 'Approved by another key; ready to publish.' }, PUBLISHED: { description: 'Published as a version.' }, DISCARDED: { description: 'Abandoned.' } } });

export const OPEN_DRAFT_STATUSES = [RuleDraftStatus.EDITING, RuleDraftStatus.SUBMITTED, RuleDraftStatus.APPROVED];

/** An example customer and the tier the draft must give it; a failing case blocks publishing. */
export interface RuleTestCase {
  name: string;
  facts: Record<string, unknown>;
  /** null = the customer must match no tier. */
  expectedTierKey: string | null;
}

/** A program's next rule set while product owners edit, review and approve it. */
@ObjectType({ implements: Node, description: 'A proposed change to a program: edited, validated, simulated, approved by another key, then published.' })
@Entity('rule_draft')
@Index('rule_draft_open_key', ['programId'], { unique: true, where: `status IN ('EDITING', 'SUBMITTED', 'APPROVED')` })
export class RuleDraft {
  @Field(() => ID, { description: 'Globally unique (a UUID).' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'program_id', type: 'uuid' })
  programId: string;

  @ManyToOne(() => TierProgram, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'program_id' })
  program?: TierProgram;

  @Field(() => Int, { description: 'The published version this draft started from.' })
  @Column({ name: 'base_version', type: 'integer' })
  baseVersion: number;

  @Field(() => JSONObjectScalar, { description: '{ appliesTo, tiers: [{ key, name, rank, conditions, entitlements }] } (tiers gives the same tiers typed).' })
  @Column({ type: 'jsonb' })
  document: ProgramDocument;

  @Column({ name: 'test_cases', type: 'jsonb', default: () => `'[]'` })
  testCases: RuleTestCase[];

  @Field(() => Int, { description: 'Increases with every change; edits name the revision they are based on.' })
  @Column({ type: 'integer', default: 1 })
  revision: number;

  @Field(() => RuleDraftStatus, { description: 'Where the draft is in its workflow.' })
  @Column({ type: 'text' })
  status: RuleDraftStatus;

  @Field({ description: 'Name of the key that opened the draft.' })
  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;

  @Column({ name: 'last_editor_key_id', type: 'text' })
  lastEditorKeyId: string;

  @Field({ description: 'Name of the key that changed the draft last.' })
  @Column({ name: 'last_edited_by', type: 'text' })
  lastEditedBy: string;

  @Field(() => String, { nullable: true, description: 'Name of the key that submitted it for approval.' })
  @Column({ name: 'submitted_by', type: 'text', nullable: true })
  submittedBy: string | null;

  @Field(() => String, { nullable: true, description: 'Name of the key that approved it (never one that wrote it).' })
  @Column({ name: 'approved_by', type: 'text', nullable: true })
  approvedBy: string | null;

  @Column({ name: 'approver_key_id', type: 'text', nullable: true })
  approverKeyId: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was approved.' })
  @Column({ name: 'approved_at', type: 'timestamptz', nullable: true })
  approvedAt: Date | null;

  @Field(() => Int, { nullable: true, description: 'The version publishing created.' })
  @Column({ name: 'published_version', type: 'integer', nullable: true })
  publishedVersion: number | null;

  @Field({ description: 'When it was opened.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field({ description: 'When it last changed.' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
