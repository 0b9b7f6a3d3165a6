import { EntityManager } from 'typeorm';

/** A customer's facts as they were at an instant. */
export interface FactsAtKey {
  customerId: string;
  at: Date;
}

/**
 * A statement's data-modifying CTE that records the facts it wrote (facts_change): one row
 * per customer of `written` (a CTE with id and facts) whose facts differ from `before` (one
 * with id and facts as the statement found them; none: every written row is new). `at` is the
 * writing transaction's instant, so the history rows it writes name exactly these facts.
 * Every write of customer facts goes through it.
 */
export function factsChangesCte(written: string, at: string, before?: string): string {
  return before
    ? `INSERT INTO facts_change (customer_id, at, facts)
       SELECT w.id, ${at}, w.facts FROM ${written} w LEFT JOIN ${before} b ON b.id = w.id WHERE b.facts IS DISTINCT FROM w.facts`
    : `INSERT INTO facts_change (customer_id, at, facts) SELECT w.id, ${at}, w.facts FROM ${written} w`;
}

/**
 * The facts each customer had at each instant (the last change at or before it, within the
 * millisecond asked: instants travel in milliseconds and are stored in microseconds), in
 * key order; null where Strata kept none then.
 */
export async function factsAt(db: EntityManager, keys: readonly FactsAtKey[]): Promise<(Record<string, unknown> | null)[]> {
  const rows: { facts: Record<string, unknown> | null }[] = await db.query(
    `SELECT f.facts FROM unnest($1::uuid[], $2::timestamptz[]) WITH ORDINALITY AS k(customer_id, at, n)
       LEFT JOIN LATERAL (SELECT c.facts FROM facts_change c WHERE c.customer_id = k.customer_id AND c.at < k.at + interval '1 millisecond'
                           ORDER BY c.at DESC, c.id DESC LIMIT 1) f ON true
      ORDER BY k.n`,
    [keys.map((k) => k.customerId), keys.map((k) => k.at)],
  );
  return rows.map((r) => r.facts);
}
