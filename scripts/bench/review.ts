import { Scheduler } from '../../src/scheduler/scheduler';
import { timeWork } from '../../src/scheduler/time-work';
import { BenchDatabase, BenchOptions, publish, publishedProgram, seconds, summary, timed } from './support';
import { RetierRunner } from '../../src/retier/retier-runner';

const PROGRAM = 'retail-bank';
/** Runs the re-tier jobs a publish enqueued. */
const retierJobs = (db: BenchDatabase) => new RetierRunner(db.deps, db.services.retierStage).drain();

/** Shares of the customers whose held tier falls at the review. */
const SHARES = [
  { name: 'about 1 % fall', percent: 1 },
  { name: 'about 30 % fall', percent: 30 },
];

/**
 * A yearly review of the retail bank: the program gets a REVIEW policy, then a share of its
 * customers is held one tier above the rules' verdict (as a year of falling balances would
 * leave them), all falling at the review instant T. The scheduler's review is timed from
 * the clock passing T to the last fall recorded (each held assignment locked, its tier and
 * state written, a history row REVIEW at T), against a hand-written set-based UPDATE of the same
 * assignments (no locks, no history) and the same UPDATE inserting the same history rows,
 * all in the same run; each is checked to leave every held customer at its verdict.
 */
export async function benchReview(options: BenchOptions, db: BenchDatabase): Promise<void> {
  const original = (await publishedProgram(db, PROGRAM)).version.document;
  await publish(db, PROGRAM, { ...original, timePolicy: { downgrade: 'REVIEW', review: 'YEAR' } });
  await retierJobs(db);
  try {
    for (const share of SHARES) {
      const times = { strata: [] as number[], sql: [] as number[], withHistory: [] as number[] };
      let held = 0;
      for (let run = 0; run < options.runs; run += 1) {
        let instant: Date;
        ({ instant, held } = await holdCustomers(db, share.percent));
        const clock = { now: () => new Date(instant.getTime() + 1_000) };
        const scheduler = new Scheduler({ ...db.deps, clock }, timeWork(db.services, { everyMs: 15_000 }));
        times.strata.push((await timed(() => scheduler.tick())).ms);
        await expectFallen(db, held, 'Strata');

        ({ instant } = await holdCustomers(db, share.percent));
        times.sql.push((await timed(() => handWritten(db, new Date(instant.getTime() + 1_000)))).ms);
        await expectFallen(db, 0, 'the hand-written UPDATE');

        ({ instant } = await holdCustomers(db, share.percent));
        times.withHistory.push((await timed(() => handWrittenWithHistory(db, new Date(instant.getTime() + 1_000)))).ms);
        await expectFallen(db, held, 'the hand-written UPDATE with history');
        options.log(
          `  review of ${db.customers.toLocaleString('en')}, ${share.name} (${held.toLocaleString('en')}), run ${run + 1}/${options.runs}: ` +
            `Strata ${seconds(times.strata.at(-1)!)} s, SQL ${seconds(times.sql.at(-1)!)} s, SQL with history ${seconds(times.withHistory.at(-1)!)} s`,
        );
      }
      const strata = summary(times.strata.map(seconds), 2);
      const sql = summary(times.sql.map(seconds), 2);
      const withHistory = summary(times.withHistory.map(seconds), 2);
      options.report({
        suite: 'review',
        figure: `yearly review, ${share.name}`,
        customers: db.customers,
        falling: held,
        strataSeconds: strata,
        handWrittenSeconds: sql,
        ratio: Number((strata.median / sql.median).toFixed(2)),
        handWrittenWithHistorySeconds: withHistory,
        ratioWithHistory: Number((strata.median / withHistory.median).toFixed(2)),
      });
    }
  } finally {
    await db.dataSource.query(`DELETE FROM tier_change WHERE cause = 'REVIEW'`);
    await db.dataSource.query(`UPDATE tier_assignment SET held_tier_key = NULL, below_since = NULL, drop_at = NULL WHERE held_tier_key IS NOT NULL`);
    await publish(db, PROGRAM, original);
    await retierJobs(db);
  }
}

/**
 * Holds `percent` % of the program's customers (those below its top tier, chosen by id) one
 * tier above their verdict, falling at one instant; returns it and how many are held.
 */
async function holdCustomers(db: BenchDatabase, percent: number): Promise<{ instant: Date; held: number }> {
  await db.dataSource.query(`DELETE FROM tier_change WHERE cause = 'REVIEW'`);
  await db.dataSource.query('DELETE FROM scheduled_task');
  // A database kept from an interrupted run may still hold customers.
  await db.dataSource.query(`UPDATE tier_assignment SET held_tier_key = NULL, below_since = NULL, drop_at = NULL WHERE held_tier_key IS NOT NULL`);
  const { tiers } = (await publishedProgram(db, PROGRAM)).timing;
  const instant = new Date(Date.now() + 3_600_000);
  const [, held]: [unknown, number] = await db.dataSource.query(
    `UPDATE tier_assignment a SET held_tier_key = (ARRAY[${tiers.map((_, i) => `$${i + 4}`).join(', ')}])[array_position(ARRAY[${tiers.map((_, i) => `$${i + 4}`).join(', ')}], a.tier_key) - 1],
            below_since = $2::timestamptz - interval '100 days', drop_at = $2
       FROM tier_program p
      WHERE p.key = $1 AND a.program_id = p.id AND a.tier_key IS NOT NULL AND a.tier_key <> $4
        AND (get_byte(decode(md5(a.customer_id::text), 'hex'), 0) * 256 + get_byte(decode(md5(a.customer_id::text), 'hex'), 1)) % 100 < $3`,
    [PROGRAM, instant, percent, ...tiers.map((t) => t.key)],
  );
  // Each method starts from the same state: the table vacuumed (as autovacuum would leave it;
  // this machine runs without) and a checkpoint just taken, so none inherits another's dirty
  // pages or starts half-way to a checkpoint that would make it log every page again.
  await db.dataSource.query('VACUUM ANALYZE tier_assignment, tier_change');
  await db.dataSource.query('CHECKPOINT');
  return { instant, held };
}

function handWritten(db: BenchDatabase, now: Date): Promise<unknown> {
  return db.dataSource.query(
    `UPDATE tier_assignment SET held_tier_key = NULL, tier_since = drop_at, below_since = NULL, drop_at = NULL WHERE drop_at <= $1`,
    [now],
  );
}

/** The same falls with the history rows Strata writes, still without locks or batches. */
function handWrittenWithHistory(db: BenchDatabase, now: Date): Promise<unknown> {
  return db.dataSource.query(
    `WITH due AS (SELECT ctid AS row, held_tier_key, drop_at FROM tier_assignment WHERE drop_at <= $1),
     fallen AS (
       UPDATE tier_assignment a SET held_tier_key = NULL, tier_since = due.drop_at, below_since = NULL, drop_at = NULL
         FROM due WHERE a.ctid = due.row
       RETURNING a.customer_id, a.program_id, a.tier_key, a.rule_version, due.held_tier_key, due.drop_at)
     INSERT INTO tier_change (customer_id, program_id, program_key, from_tier_key, to_tier_key, rules_tier_key, cause, rule_version, at)
     SELECT f.customer_id, f.program_id, $2, f.held_tier_key, f.tier_key, f.tier_key, 'REVIEW', f.rule_version, f.drop_at FROM fallen f`,
    [now, PROGRAM],
  );
}

async function expectFallen(db: BenchDatabase, rows: number, who: string): Promise<void> {
  const [row] = await db.dataSource.query(
    `SELECT (SELECT count(*)::int FROM tier_assignment WHERE held_tier_key IS NOT NULL) AS held,
            (SELECT count(*)::int FROM tier_change WHERE cause = 'REVIEW') AS rows`,
  );
  if (row.held !== 0 || row.rows !== rows) throw new Error(`${who} left ${row.held} customers held and ${row.rows} REVIEW rows (expected ${rows})`);
}
