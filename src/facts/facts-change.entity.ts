import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A customer's facts from one instant on: one row per write that changed them (the customer
 * row keeps only the latest). Tier history names facts by instant, so the set-based writes
 * of tier changes (re-tiers, reviews) copy no facts and a review never reads the customer.
 * Not checked by foreign keys: it outlives a deleted customer, as tier history does.
 */
@Entity('facts_change')
@Index('facts_change_customer_idx', ['customerId', 'at', 'id'])
export class FactsChange {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId: string;

  /** From when the facts held: the writing transaction's instant by Strata's clock, as its history rows. */
  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ type: 'jsonb' })
  facts: Record<string, unknown>;
}
