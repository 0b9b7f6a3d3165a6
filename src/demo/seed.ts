import { Context } from '../context';
import { TierChangeCause } from '../evaluation/tier-change.entity';
import { factsChangesCte } from '../facts/facts-history';
import { RetierRunner, enqueueRetier } from '../retier/retier-runner';
import type { Services } from '../server';
import { withTransaction } from '../shared/transaction';
import { demoCustomer } from './demo-customers';

const BATCH = 5_000;

export interface SeedProgress {
  (phase: 'insert' | 'evaluate', done: number, total: number): void;
}

/**
 * Inserts `count` demo customers in multi-row batches (existing externalIds are kept),
 * then assigns every program's tiers by re-tier jobs, the one path for bulk assignment.
 * Progress of the assignment counts the customers each program stages for writing.
 */
export async function seedDemoCustomers(ctx: Context, services: Services, count: number, onProgress: SeedProgress = () => {}): Promise<number> {
  let inserted = 0;
  for (let start = 1; start <= count; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - start + 1) }, (_, k) => demoCustomer(start + k));
    const [{ n }]: { n: number }[] = await ctx.db.query(
      `WITH written AS (
         INSERT INTO customer (external_id, name, segment, facts)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])
         ON CONFLICT (external_id) DO NOTHING RETURNING id, facts),
       kept AS (${factsChangesCte('written', '$5::timestamptz')})
       SELECT count(*)::int AS n FROM written`,
      [batch.map((c) => c.externalId), batch.map((c) => c.name), batch.map((c) => c.segment), batch.map((c) => JSON.stringify(c.facts)), ctx.deps.clock.now()],
    );
    inserted += n;
    onProgress('insert', start + batch.length - 1, count);
  }
  const total = await ctx.db.query('SELECT count(*)::int AS n FROM customer').then((r: { n: number }[]) => r[0].n);
  await withTransaction(ctx, async (tx) => {
    for (const { program, version } of await tx.loaders.programs()) await enqueueRetier(tx, program.id, version.version, TierChangeCause.CREATED);
  });
  onProgress('evaluate', 0, total);
  // Large chunks: nobody else writes customers while the demo is seeded.
  const runner = new RetierRunner(ctx.deps, services.retierStage, { chunkSize: 20_000, onChunk: ({ written, staged }) => onProgress('evaluate', written, staged) });
  await runner.drain();
  return inserted;
}
