import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TierProgram } from '../programs/tier-program.entity';

/**
 * The tier last written for a customer in a program. Reads show a live evaluation; this
 * row serves lists filtered by tier and distributions, and is rewritten in the same
 * transaction as every change to the customer's facts or the program's rules.
 */
@Entity('tier_assignment')
@Index('tier_assignment_program_tier_idx', ['programId', 'tierKey', 'customerId'])
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
}
