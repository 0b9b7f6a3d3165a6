import { RetierRunner } from '../../src/retier/retier-runner';
import { ProgramDefinition, SQL_NO_TIER, SQL_OUTSIDE, SqlParams, sqlClassifications } from '../../src/engine';
import { ProgramDocument } from '../../src/programs/rule-set-version.entity';
import { definitionOf } from '../../src/programs/program.service';
import { withTransaction } from '../../src/shared/transaction';
import { naiveClassifier } from './evaluation';
import { BenchDatabase, BenchOptions, RULE_CHANGES, changed, peakRss, publish, publishedProgram, seconds, summary, timed } from './support';

const PROGRAM = 'retail-bank';
const NAIVE_CHUNK = 2_000;
const FIRST_ID = '00000000-0000-0000-0000-000000000000';

/**
 * Re-tiering after a publish, end to end, for each rule change and run (methods interleaved):
 * - Strata: publish, then the re-tier job to DONE (staged set-wise, written in chunks with
 *   history rows, locks on changed customers only);
 * - the practical floor: one hand-written `UPDATE … SET tier_key = CASE … WHERE tier_key IS
 *   DISTINCT FROM …` (no history, no version, no concurrency safety);
 * - the naive loop: publish, then every customer streamed through one json-rules-engine
 *   Engine, changes written with their history rows, chunk by chunk.
 * Each leaves the stored tiers equal to the rules (checked), then the original rules are
 * restored, untimed.
 */
export async function benchRetier(options: BenchOptions, db: BenchDatabase): Promise<void> {
  const original = (await publishedProgram(db, PROGRAM)).version.document;
  for (const change of RULE_CHANGES) {
    const next = changed(original, change);
    const times = { strata: [] as number[], sql: [] as number[], naive: [] as number[] };
    const rss = { strata: [] as number[], naive: [] as number[] };
    let moving = 0;
    const seeded = await seededRows(db);
    for (let run = 0; run < options.runs; run += 1) {
      await settle(db);
      const strata = await peakRss(() => timed(() => strataRetier(db, next)));
      times.strata.push(strata.result.ms);
      rss.strata.push(strata.peakMb);
      moving = strata.result.result;
      await expectStoredTiers(db, next, 'Strata');
      await restore(db, original, seeded);

      times.sql.push((await timed(() => handWrittenUpdate(db, next))).ms);
      await expectStoredTiers(db, next, 'the hand-written UPDATE');
      await handWrittenUpdate(db, original);
      await settle(db);

      const naive = await peakRss(() => timed(() => naiveRetier(db, next)));
      times.naive.push(naive.result.ms);
      rss.naive.push(naive.peakMb);
      await expectStoredTiers(db, next, 'the json-rules-engine loop');
      await restore(db, original, seeded);
      options.log(
        `  re-tier ${db.customers.toLocaleString('en')}, ${change.name}, run ${run + 1}/${options.runs}: ` +
          `Strata ${seconds(strata.result.ms)} s, SQL ${seconds(times.sql.at(-1)!)} s, json-rules-engine ${seconds(naive.result.ms)} s`,
      );
    }
    const strata = summary(times.strata.map(seconds), 2);
    const sql = summary(times.sql.map(seconds), 2);
    const naive = summary(times.naive.map(seconds), 2);
    options.report({
      suite: 'retier',
      figure: 're-tier after publish',
      customers: db.customers,
      change: change.name,
      moving,
      movingShare: Number((moving / db.customers).toFixed(4)),
      strataSeconds: strata,
      handWrittenSqlSeconds: sql,
      jsonRulesEngineLoopSeconds: naive,
      strataToSql: Number((strata.median / sql.median).toFixed(2)),
      jsonRulesEngineToStrata: Number((naive.median / strata.median).toFixed(1)),
      strataPeakRssMb: Math.max(...rss.strata),
      jsonRulesEnginePeakRssMb: Math.max(...rss.naive),
    });
  }
}

/** Publishes and runs the re-tier job to the end (by `stage`: Strata's own unless given); answers how many customers changed tier. */
export async function strataRetier(db: BenchDatabase, document: ProgramDocument, stage = db.services.retierStage): Promise<number> {
  await publish(db, PROGRAM, document);
  await new RetierRunner(db.deps, stage).drain();
  const [job] = await db.dataSource.query(`SELECT status, changed FROM retier_job ORDER BY created_at DESC LIMIT 1`);
  if (job.status !== 'DONE') throw new Error(`re-tier job ended ${job.status}`);
  return job.changed;
}

/**
 * Back to the rules and history the seed left: the history rows of the run are deleted, so
 * every run writes into the same history (it would otherwise grow by a million rows a run,
 * and with it the cost of each row Strata writes, which the floor does not write).
 */
export async function restore(db: BenchDatabase, original: ProgramDocument, seeded: SeededRows): Promise<void> {
  await strataRetier(db, original);
  await db.dataSource.query('DELETE FROM tier_change WHERE id > $1', [seeded.history]);
  await db.dataSource.query('DELETE FROM event WHERE id > $1', [seeded.events]);
  await settle(db);
}

/** The last history row and event the seed wrote: restore deletes what a run wrote after them. */
export interface SeededRows {
  history: string;
  events: string;
}

export async function seededRows(db: BenchDatabase): Promise<SeededRows> {
  const [row] = await db.dataSource.query(
    'SELECT (SELECT COALESCE(max(id), 0) FROM tier_change)::text AS history, (SELECT COALESCE(max(id), 0) FROM event)::text AS events',
  );
  return row;
}

/**
 * The same state before every method: the tables vacuumed (as autovacuum would leave them;
 * this machine runs without) and a checkpoint just taken, so none inherits another's dirty
 * pages or starts half-way to a checkpoint that would make it log every page again.
 */
export async function settle(db: BenchDatabase): Promise<void> {
  await db.dataSource.query('VACUUM ANALYZE customer, tier_assignment, tier_change, event');
  await db.dataSource.query('CHECKPOINT');
}

/**
 * The floor, written the way one would by hand for DOMAIN.md's retail ladder: individuals
 * only, plain casts of `balance`, every tier one threshold (the lowest matches everyone).
 */
function handWrittenUpdate(db: BenchDatabase, document: ProgramDocument): Promise<unknown> {
  const thresholds = [...document.tiers]
    .sort((a, b) => b.rank - a.rank)
    .map((t) => {
      const [leaf] = (t.conditions as { all: { value: number }[] }).all;
      return leaf ? `WHEN (c.facts->>'balance')::float8 >= ${Number(leaf.value)} THEN '${t.key}'` : `ELSE '${t.key}'`;
    });
  return db.dataSource.query(
    `UPDATE tier_assignment a SET tier_key = n.tier, rule_version = a.rule_version + 1, evaluated_at = now()
       FROM (SELECT c.id, CASE ${thresholds.join(' ')} END AS tier FROM customer c WHERE c.facts->>'customerType' = 'individual') n
      WHERE a.customer_id = n.id AND a.program_id = (SELECT id FROM tier_program WHERE key = $1) AND a.tier_key IS DISTINCT FROM n.tier`,
    [PROGRAM],
  );
}

/**
 * The naive loop: publish, then read customers in id order a chunk at a time, classify each
 * with one json-rules-engine Engine (sequential `run()` calls), and write the changed
 * assignments and their history rows, one transaction per chunk.
 */
async function naiveRetier(db: BenchDatabase, document: ProgramDocument): Promise<void> {
  const published = await publish(db, PROGRAM, document);
  const classify = naiveClassifier(definition(document));
  const programId = published.program.id;
  let after = FIRST_ID;
  for (;;) {
    const done = await withTransaction(db.ctx, async (tx) => {
      const customers: { id: string; facts: Record<string, unknown> }[] = await tx.db.query(
        'SELECT id, facts FROM customer WHERE id > $1 ORDER BY id LIMIT $2',
        [after, NAIVE_CHUNK],
      );
      if (customers.length === 0) return true;
      const stored: { customer_id: string; tier_key: string | null }[] = await tx.db.query(
        'SELECT customer_id, tier_key FROM tier_assignment WHERE program_id = $1 AND customer_id = ANY($2::uuid[])',
        [programId, customers.map((c) => c.id)],
      );
      const before = new Map(stored.map((s) => [s.customer_id, s.tier_key]));
      const writes: { id: string; from: string | null; to: string | null; had: boolean; covered: boolean }[] = [];
      for (const customer of customers) {
        const tier = await classify(customer.facts);
        const covered = tier !== SQL_OUTSIDE;
        const had = before.has(customer.id);
        const to = covered ? tier : null;
        if ((covered && (!had || before.get(customer.id) !== to)) || (!covered && had)) {
          writes.push({ id: customer.id, from: before.get(customer.id) ?? null, to, had, covered });
        }
      }
      const upserts = writes.filter((w) => w.covered);
      await tx.db.query(
        `INSERT INTO tier_assignment (customer_id, program_id, tier_key, rule_version, source, evaluated_at)
         SELECT u.id, $1, u.tier, $2, 'RULE', now() FROM unnest($3::uuid[], $4::text[]) AS u(id, tier)
         ON CONFLICT (customer_id, program_id) DO UPDATE SET tier_key = EXCLUDED.tier_key, rule_version = EXCLUDED.rule_version, evaluated_at = now()`,
        [programId, published.version.version, upserts.map((w) => w.id), upserts.map((w) => w.to)],
      );
      await tx.db.query('DELETE FROM tier_assignment WHERE program_id = $1 AND customer_id = ANY($2::uuid[])', [
        programId,
        writes.filter((w) => !w.covered).map((w) => w.id),
      ]);
      await tx.db.query(
        `INSERT INTO tier_change (customer_id, program_id, program_key, from_tier_key, to_tier_key, cause, rule_version)
         SELECT h.id, $1, $2, h.from_tier, h.to_tier, 'RULE_PUBLISH', $3 FROM unnest($4::uuid[], $5::text[], $6::text[]) AS h(id, from_tier, to_tier)`,
        [programId, PROGRAM, published.version.version, writes.map((w) => w.id), writes.map((w) => w.from), writes.map((w) => w.to)],
      );
      after = customers[customers.length - 1].id;
      return false;
    });
    if (done) break;
  }
  // The loop did the job the publish enqueued.
  await db.dataSource.query(`UPDATE retier_job SET status = 'DONE', finished_at = now() WHERE program_id = $1 AND status = 'PENDING'`, [programId]);
  await db.dataSource.query('UPDATE tier_program SET retiered_version = published_version WHERE id = $1', [programId]);
}

function definition(document: ProgramDocument): ProgramDefinition {
  return { ...definitionOf(PROGRAM, document), version: 1 };
}

/** Fails the bench unless every customer's stored retail tier is what `document` gives. */
export async function expectStoredTiers(db: BenchDatabase, document: ProgramDocument, method: string): Promise<void> {
  const params = new SqlParams();
  const classified = sqlClassifications('SELECT c.id, c.facts FROM customer c', ['id'], [definition(document)], params);
  const [{ wrong }] = await db.dataSource.query(
    `SELECT count(*)::int AS wrong FROM (${classified}) r
       LEFT JOIN tier_assignment a ON a.customer_id = r.id AND a.program_id = (SELECT id FROM tier_program WHERE key = ${params.add(PROGRAM, 'text')})
      WHERE r.k0 IS NULL OR CASE WHEN r.k0 = '${SQL_OUTSIDE}' THEN a.customer_id IS NOT NULL
                                 ELSE a.customer_id IS NULL OR a.tier_key IS DISTINCT FROM NULLIF(r.k0, '${SQL_NO_TIER}') END`,
    params.values,
  );
  if (wrong !== 0) throw new Error(`${method} left ${wrong} customers with a stored tier the rules do not give`);
}
