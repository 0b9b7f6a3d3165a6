import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { TierProgram } from '../programs/tier-program.entity';
import { Node, sequenceNodeId } from '../shared/node';

export enum TierChangeCause {
  CREATED = 'CREATED',
  CUSTOMER_UPDATE = 'CUSTOMER_UPDATE',
  RULE_PUBLISH = 'RULE_PUBLISH',
  OVERRIDE = 'OVERRIDE',
  OVERRIDE_EXPIRED = 'OVERRIDE_EXPIRED',
  REVIEW = 'REVIEW',
  SCHEDULE = 'SCHEDULE',
}
registerEnumType(TierChangeCause, { name: 'TierChangeCause', description: 'What made a customer\'s shown tier change.', valuesConfig: { CREATED: { description: 'The customer was first covered by the program.' }, CUSTOMER_UPDATE: { description: 'The customer\'s facts changed.' }, RULE_PUBLISH: { description: 'A new version of the rules was published or rolled back to.' }, OVERRIDE: { description: 'An override was set or revoked.' }, OVERRIDE_EXPIRED: { description: "An override reached its expiry: the row's `at` is the expiry instant." }, REVIEW: { description: "A held tier fell at its review or at the end of its grace (the program's time policy): the row's `at` is that instant." }, SCHEDULE: { description: 'Never written.', deprecationReason: 'Time-made changes are OVERRIDE_EXPIRED and REVIEW.' } } });

/**
 * One row of a customer's tier history: appended whenever the tier the customer *shows*
 * changes (shown-tier.ts), with the rules' verdict beside it and the cause. Not checked by
 * foreign keys, which cost a locking probe of `customer` per row in set-wise re-tiers; it
 * outlives a deleted customer (a bank keeps the record) and goes with its program.
 */
@ObjectType({ implements: Node, description: "One change of the tier a customer shows in a program, with the rules' verdict beside it and the cause." })
@Entity('tier_change')
@Index('tier_change_customer_idx', ['customerId', 'id'])
export class TierChange {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Field(() => ID, { name: 'id', description: 'Globally unique: "TierChange:" and the row\'s sequence number.' })
  get nodeId(): string {
    return sequenceNodeId('TierChange', this.id);
  }

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId: string;

  // Named, not imported: customers/ depends on evaluation/, not the other way.
  @ManyToOne('Customer', { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'customer_id' })
  customer?: object;

  @Column({ name: 'program_id', type: 'uuid' })
  programId: string;

  @ManyToOne(() => TierProgram, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'program_id' })
  program?: TierProgram;

  /** Program keys never change, so the key is kept with the row for cheap history reads. */
  @Field({ description: 'The program\'s key (see program).' })
  @Column({ name: 'program_key', type: 'text' })
  programKey: string;

  @Field(() => String, { nullable: true, description: 'The tier shown before; null = none (see fromTier).' })
  @Column({ name: 'from_tier_key', type: 'text', nullable: true })
  fromTierKey: string | null;

  @Field(() => String, { nullable: true, description: 'The tier shown after; null = none (see toTier).' })
  @Column({ name: 'to_tier_key', type: 'text', nullable: true })
  toTierKey: string | null;

  @Field(() => String, { nullable: true, description: "The rules' own verdict after the change; differs from toTierKey when an override decides the tier." })
  @Column({ name: 'rules_tier_key', type: 'text', nullable: true })
  rulesTierKey: string | null;

  @Field(() => TierChangeCause, { description: 'What made the tier change.' })
  @Column({ type: 'text' })
  cause: TierChangeCause;

  @Field(() => Int, { nullable: true, description: 'The program\'s version in force at the change.' })
  @Column({ name: 'rule_version', type: 'integer', nullable: true })
  ruleVersion: number | null;

  @Field({ description: 'When the change was committed.' })
  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;
}
