import { Scheduler } from '../../src/scheduler/scheduler';
import { timeWork } from '../../src/scheduler/time-work';
import { BenchDatabase, BenchOptions, seconds, summary, timed } from './support';

const PROGRAM = 'retail-bank';

/**
 * Overrides expiring at one instant, recorded by the scheduler: `overrides` customers of the
 * retail bank are pinned to a tier the rules do not give them, all expiring at T; the clock
 * moves past T and the scheduler's run is timed to the last expiry recorded (marked, history
 * row at T, audit entry, in batches under customer locks). The baseline is
 * the floor: one hand-written statement marking the same overrides and inserting their
 * history rows, with no locks, no audit and no batching. Both are checked to leave one
 * OVERRIDE_EXPIRED row per override.
 */
export async function benchExpiry(options: BenchOptions, db: BenchDatabase, overrides: number): Promise<void> {
  const times = { strata: [] as number[], sql: [] as number[] };
  for (let run = 0; run < options.runs; run += 1) {
    let instant = await pinCustomers(db, overrides);
    const clock = { now: () => new Date(instant.getTime() + 1_000) };
    const scheduler = new Scheduler({ ...db.deps, clock }, timeWork(db.services, { everyMs: 15_000 }));
    times.strata.push((await timed(() => scheduler.tick())).ms);
    await expectRecorded(db, overrides, 'Strata');

    instant = await pinCustomers(db, overrides);
    times.sql.push((await timed(() => handWritten(db, new Date(instant.getTime() + 1_000)))).ms);
    await expectRecorded(db, overrides, 'the hand-written statement');
    options.log(`  ${overrides.toLocaleString('en')} overrides expiring, run ${run + 1}/${options.runs}: Strata ${seconds(times.strata.at(-1)!)} s, SQL ${seconds(times.sql.at(-1)!)} s`);
  }
  await clear(db);
  const strata = summary(times.strata.map(seconds), 2);
  const sql = summary(times.sql.map(seconds), 2);
  options.report({
    suite: 'expiry',
    figure: 'overrides expiring at one instant, recorded with history and audit',
    customers: db.customers,
    overrides,
    strataSeconds: strata,
    handWrittenSeconds: sql,
    ratio: Number((strata.median / sql.median).toFixed(2)),
    withinMinute: strata.max <= 60,
  });
}

/** Removes earlier runs' overrides and rows, then pins `count` customers to a tier the rules do not give them, expiring at one instant. */
async function pinCustomers(db: BenchDatabase, count: number): Promise<Date> {
  await clear(db);
  const instant = new Date(Date.now() + 3_600_000);
  await db.dataSource.query(
    `INSERT INTO tier_override (customer_id, program_id, tier_key, reason, expires_at, created_by)
     SELECT a.customer_id, a.program_id, CASE WHEN a.tier_key = 'A' THEN 'B' ELSE 'A' END, 'bench', $2, 'bench'
       FROM tier_assignment a JOIN tier_program p ON p.id = a.program_id AND p.key = $1
      ORDER BY a.customer_id LIMIT $3`,
    [PROGRAM, instant, count],
  );
  await db.dataSource.query('ANALYZE tier_override');
  return instant;
}

async function clear(db: BenchDatabase): Promise<void> {
  await db.dataSource.query(`DELETE FROM tier_change WHERE cause = 'OVERRIDE_EXPIRED'`);
  await db.dataSource.query(`DELETE FROM audit_event WHERE action = 'tierOverrideExpire'`);
  await db.dataSource.query(`DELETE FROM tier_override WHERE created_by = 'bench'`);
  await db.dataSource.query(`DELETE FROM scheduled_task`);
}

function handWritten(db: BenchDatabase, now: Date): Promise<unknown> {
  return db.dataSource.query(
    `WITH expired AS (
       UPDATE tier_override o SET expiry_recorded_at = $1
        WHERE o.expires_at <= $1 AND o.revoked_at IS NULL AND o.expiry_recorded_at IS NULL RETURNING o.*)
     INSERT INTO tier_change (customer_id, program_id, program_key, from_tier_key, to_tier_key, rules_tier_key, cause, rule_version, at)
     SELECT e.customer_id, e.program_id, $2, e.tier_key, a.tier_key, a.tier_key, 'OVERRIDE_EXPIRED', a.rule_version, e.expires_at
       FROM expired e JOIN tier_assignment a ON a.customer_id = e.customer_id AND a.program_id = e.program_id`,
    [now, PROGRAM],
  );
}

async function expectRecorded(db: BenchDatabase, count: number, who: string): Promise<void> {
  const [row] = await db.dataSource.query(
    `SELECT (SELECT count(*)::int FROM tier_override WHERE created_by = 'bench' AND expiry_recorded_at IS NOT NULL) AS marked,
            (SELECT count(*)::int FROM tier_change WHERE cause = 'OVERRIDE_EXPIRED') AS rows`,
  );
  if (row.marked !== count || row.rows !== count) throw new Error(`${who} recorded ${row.marked} expiries with ${row.rows} history rows, not ${count}`);
}
