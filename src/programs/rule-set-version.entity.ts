import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../shared/node';
import { JSONObjectScalar } from '../shared/scalars';
import { Tier } from './tier.entity';
import { TierProgram } from './tier-program.entity';
import type { TimePolicy } from '../rules/time-policy';

export enum RuleSetStatus {
  DRAFT = 'DRAFT',
  PUBLISHED = 'PUBLISHED',
  SUPERSEDED = 'SUPERSEDED',
}
registerEnumType(RuleSetStatus, { name: 'RuleSetStatus', description: 'Whether a version is in force.', valuesConfig: { DRAFT: { description: 'Written, not yet in force.' }, PUBLISHED: { description: 'In force.' }, SUPERSEDED: { description: 'Was in force; a later version replaced it.' } } });

/** The document of a program version: appliesTo plus every tier with its conditions and entitlements. */
export interface ProgramDocument {
  appliesTo: Record<string, unknown> | null;
  /** Covers no customer while true (see `definitionOf`). */
  retired?: boolean;
  /** When downgrades take effect (programs/time-policy.ts); absent: at once. */
  timePolicy?: Partial<TimePolicy> | null;
  tiers: {
    key: string;
    name: string;
    rank: number;
    conditions: Record<string, unknown>;
    entitlements: { key: string; value: unknown }[];
    protected?: boolean;
    minimumStayDays?: number;
  }[];
}

/** One version of a program's rules; immutable once published. */
@ObjectType({ implements: Node, description: 'One published version of a program\'s rules; versions never change once written.' })
@Entity('rule_set_version')
@Index('rule_set_version_program_version_key', ['programId', 'version'], { unique: true })
export class RuleSetVersion {
  @Field(() => ID, { description: 'Globally unique (a UUID).' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'program_id', type: 'uuid' })
  programId: string;

  @ManyToOne(() => TierProgram, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'program_id' })
  program?: TierProgram;

  @Field(() => Int, { description: 'The number of the version within its program, from 1.' })
  @Column({ type: 'integer' })
  version: number;

  @Field(() => RuleSetStatus, { description: 'Whether the version is in force.' })
  @Column({ type: 'text' })
  status: RuleSetStatus;

  @Field(() => JSONObjectScalar, { description: '{ appliesTo, tiers: [{ key, name, rank, conditions, entitlements }] }' })
  @Column({ type: 'jsonb' })
  document: ProgramDocument;

  @OneToMany(() => Tier, (tier) => tier.ruleSetVersion)
  tiers?: Tier[];

  @Field({ description: 'When the version was written.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When it came into force.' })
  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'The name of the key that published it or rolled back to it (the process, e.g. "start-up", for a rule file it published itself); null for a version older than this record.' })
  @Column({ name: 'published_by', type: 'text', nullable: true })
  publishedBy: string | null;

  @Field(() => String, { nullable: true, description: 'The name of the key that approved the draft it came from; null for a rollback or a rule file.' })
  @Column({ name: 'approved_by', type: 'text', nullable: true })
  approvedBy: string | null;
}
