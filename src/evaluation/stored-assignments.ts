import { EntityManager } from 'typeorm';
import { StoredAssignment } from './held-tier';

/** Key of a customer's assignment in a program. */
export const assignmentKey = (customerId: string, programId: string) => `${customerId}:${programId}`;

/** A stored assignment with the version of the program that last evaluated it. */
export interface StoredVerdict extends StoredAssignment {
  ruleVersion: number;
}

/** The stored verdicts and held state of customers (in some programs, or all), by assignmentKey. */
export async function storedAssignments(db: EntityManager, customerIds: readonly string[], programIds: readonly string[] | null = null): Promise<Map<string, StoredVerdict>> {
  if (customerIds.length === 0 || programIds?.length === 0) return new Map();
  const rows: {
    customer_id: string;
    program_id: string;
    tier_key: string | null;
    rule_version: number;
    held_tier_key: string | null;
    tier_since: Date;
    below_since: Date | null;
    drop_at: Date | null;
  }[] = await db.query(
    `SELECT customer_id, program_id, tier_key, rule_version, held_tier_key, tier_since, below_since, drop_at FROM tier_assignment
      WHERE customer_id = ANY($1::uuid[]) AND ($2::uuid[] IS NULL OR program_id = ANY($2::uuid[]))`,
    [customerIds, programIds],
  );
  return new Map(
    rows.map((r) => [
      assignmentKey(r.customer_id, r.program_id),
      { tierKey: r.tier_key, ruleVersion: r.rule_version, state: { heldTierKey: r.held_tier_key, tierSince: r.tier_since, belowSince: r.below_since, dropAt: r.drop_at } },
    ]),
  );
}
