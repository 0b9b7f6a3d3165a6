import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TierProgram } from '../programs/tier-program.entity';

/**
 * The tier last written for a customer in a program. Reads show a live evaluation; this
 * row serves lists filtered by tier and distributions, and is rewritten in the same
 * transaction as every change to the customer's facts or the program's rules.
 */
@Entity('tier_assignment')
@Index('tier_assignment_program_tier_idx', ['programId', 'tierKey', 'customerId'])
@Index('tier_assignment_drop_idx', ['dropAt'], { where: 'drop_at IS NOT NULL' })
export class StoredTierAssignment {
  @PrimaryColumn({ name: 'customer_id', type: 'uuid' })
  customerId: string;

  // Named, not imported: customers/ depends on this folder, not the other way.
  @ManyToOne('Customer', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'customer_id' })
  customer?: object;

  @PrimaryColumn({ name: 'program_id', type: 'uuid' })
  programId: string;

  @ManyToOne(() => TierProgram, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'program_id' })
  program?: TierProgram;

  @Column({ name: 'tier_key', type: 'text', nullable: true })
  tierKey: string | null;

  @Column({ name: 'rule_version', type: 'integer' })
  ruleVersion: number;

  @Column({ type: 'text', default: 'RULE' })
  source: string;

  @Column({ name: 'evaluated_at', type: 'timestamptz' })
  evaluatedAt: Date;

  /** The time layer's state (held-tier.ts): the tier held above the verdict, if any. */
  @Column({ name: 'held_tier_key', type: 'text', nullable: true })
  heldTierKey: string | null;

  /** When the customer entered the tier shown. */
  @Column({ name: 'tier_since', type: 'timestamptz', default: () => 'now()' })
  tierSince: Date;

  @Column({ name: 'below_since', type: 'timestamptz', nullable: true })
  belowSince: Date | null;

  /** When the held tier falls unless the verdict recovers; the scheduler's index. */
  @Column({ name: 'drop_at', type: 'timestamptz', nullable: true })
  dropAt: Date | null;
}
