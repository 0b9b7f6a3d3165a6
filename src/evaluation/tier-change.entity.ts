import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Customer } from '../customers/customer.entity';
import { TierProgram } from '../programs/tier-program.entity';

export enum TierChangeCause {
  CREATED = 'CREATED',
  CUSTOMER_UPDATE = 'CUSTOMER_UPDATE',
  RULE_PUBLISH = 'RULE_PUBLISH',
  OVERRIDE = 'OVERRIDE',
  SCHEDULE = 'SCHEDULE',
}
registerEnumType(TierChangeCause, { name: 'TierChangeCause' });

/**
 * One row of a customer's tier history: appended whenever a stored tier changes. Deleted
 * with its customer or program by triggers rather than checked by foreign keys, which cost
 * a locking probe of `customer` per row in set-wise re-tiers (see the migration).
 */
@ObjectType()
@Entity('tier_change')
@Index('tier_change_customer_idx', ['customerId', 'id'])
@Index('tier_change_program_idx', ['programId'])
export class TierChange {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId: string;

  @ManyToOne(() => Customer, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'customer_id' })
  customer?: Customer;

  @Column({ name: 'program_id', type: 'uuid' })
  programId: string;

  @ManyToOne(() => TierProgram, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'program_id' })
  program?: TierProgram;

  /** Program keys never change, so the key is kept with the row for cheap history reads. */
  @Field()
  @Column({ name: 'program_key', type: 'text' })
  programKey: string;

  @Field(() => String, { nullable: true })
  @Column({ name: 'from_tier_key', type: 'text', nullable: true })
  fromTierKey: string | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'to_tier_key', type: 'text', nullable: true })
  toTierKey: string | null;

  @Field(() => TierChangeCause)
  @Column({ type: 'text' })
  cause: TierChangeCause;

  @Field(() => Int, { nullable: true })
  @Column({ name: 'rule_version', type: 'integer', nullable: true })
  ruleVersion: number | null;

  @Field()
  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;
}
