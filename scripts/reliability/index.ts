import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { Role } from '../../src/shared/role';
import { CostLimits } from '../../src/limits/cost-budgets';
import { logger } from '../../src/shared/logger';
import { TestApp, startTestApp } from '../../test/helpers/app';
import { createPublishedProgram, retierFromScratch } from '../../test/helpers/programs';
import { changesUnderKills } from '../../test/helpers/audit-under-kills';
import { ServiceProcess, freePort, startService } from '../../test/helpers/service-process';
import { customerFacts, largestProgram } from '../../test/helpers/largest-program';
import { PrivatePostgres, startPrivatePostgres } from '../../test/helpers/private-postgres';
import { recoveryTimes, steadyWrites } from '../../test/helpers/steady-writes';
import { machine } from '../bench/support';

const SUITES = ['s6', 'r3', 'r6', 'd4', 'd5', 'd6'] as const;
type Suite = (typeof SUITES)[number];
const USAGE = `usage: npm run reliability -- [${SUITES.join('|')} …] [--seconds N] [--out FILE]
  (no suite: all of them; each runs on a PostgreSQL of its own, started and removed here)
  s6  one key at twice its cost budget, one at half, for --seconds (60)
  r3  the largest allowed program × 10,000 customers: time per customer by closures, compiled explanations, SQL, json-rules-engine
  r6  1,000 random audited changes, the built service SIGKILLed at random points 20 times
  d4  steady writes for --seconds (60), PostgreSQL stopped and started at a third of the way
  d5  steady writes for --seconds (60), every app connection terminated 10 times
  d6  the built service under steady writes gets SIGTERM: readiness, in-flight requests, exit`;

type Figure = Record<string, unknown> & { row: string };
const NO_LIMITS = { maxCost: 5_000, bucketSize: 1e9, restorePerSecond: 1e9 };
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];
const ms = (n: number) => Math.round(n * 1000) / 1000;

/** An in-process Strata on a PostgreSQL of its own, removed afterwards. */
async function onPrivateApp<T>(work: (app: TestApp, pg: PrivatePostgres) => Promise<T>, costLimits: CostLimits = NO_LIMITS): Promise<T> {
  const pg = await startPrivatePostgres(await freePort());
  const app = await startTestApp({ databaseUrl: pg.url, retier: { start: false }, costLimits });
  try {
    return await work(app, pg);
  } finally {
    await app.close();
    await pg.destroy();
  }
}

/** S6: the per-key token bucket over a minute; each key may spend 100 points a second. */
async function s6(seconds: number): Promise<Figure> {
  const budget: CostLimits = { maxCost: 100, bucketSize: 100, restorePerSecond: 100 };
  return onPrivateApp(async (app) => {
    const greedy = await app.keyWithRoles(Role.VIEWER);
    const modest = await app.keyWithRoles(Role.VIEWER);
    const QUERY = '{ customers(first: 49) { edges { node { id } } } }'; // 99 points
    const tally = { greedy: { sent: 0, served: 0, throttled: 0, throttledWithRetryAfter: 0 }, modest: { sent: 0, served: 0, throttled: 0 } };
    const started = Date.now();
    for (let tick = 0; tick < seconds * 4; tick += 1) {
      await sleep(Math.max(0, started + tick * 250 - Date.now()));
      if (tick % 2 === 0) {
        // Two a second: 198 points a second, twice the budget.
        const res = await app.gql(QUERY, undefined, greedy);
        tally.greedy.sent += 1;
        if (res.status === 429) {
          tally.greedy.throttled += 1;
          if (res.extensions?.cost.retryAfter >= 1 && res.headers.get('retry-after') === String(res.extensions?.cost.retryAfter)) tally.greedy.throttledWithRetryAfter += 1;
        } else if (res.status === 200 && !res.errors) tally.greedy.served += 1;
      }
      if (tick % 8 === 0) {
        // One every 2 s: 50 points a second, half the budget.
        const res = await app.gql(QUERY, undefined, modest);
        tally.modest.sent += 1;
        if (res.status === 429) tally.modest.throttled += 1;
        else if (res.status === 200 && !res.errors) tally.modest.served += 1;
      }
    }
    return { row: 'S6', seconds, budgetPointsPerSecond: 100, ...tally, greedyServedPointsPerSecond: Math.round((tally.greedy.served * 99) / seconds) };
  }, budget);
}

/** R3: bounded evaluation of the costliest program the validator accepts. */
async function r3(customers: number, referenceSample: number): Promise<Figure> {
  return onPrivateApp(async (app) => {
    const created = await createPublishedProgram(app, largestProgram('largest'));
    if (created.data.tierProgramCreate.userErrors.length) throw new Error(JSON.stringify(created.data.tierProgramCreate.userErrors));
    await app.db.dataSource.query(`INSERT INTO customer (external_id, name, facts) SELECT 'r3-' || i, 'R3', f FROM unnest($1::jsonb[]) WITH ORDINALITY AS t(f, i)`, [
      Array.from({ length: customers }, (_, i) => JSON.stringify(customerFacts(i))),
    ]);
    const ctx = app.systemContext();
    const published = (await app.strata.services.programs.published(ctx, 'largest'))!;
    const closures: number[] = [];
    for (let i = 0; i < customers; i += 1) {
      const started = process.hrtime.bigint();
      await published.evaluator.classify(customerFacts(i));
      closures.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const reference: number[] = [];
    const explanations: number[] = [];
    for (let i = 0; i < referenceSample; i += 1) {
      const facts = customerFacts(Math.floor((i * customers) / referenceSample));
      let started = process.hrtime.bigint();
      await published.evaluator.evaluateWithEngine(facts);
      reference.push(Number(process.hrtime.bigint() - started) / 1e6);
      started = process.hrtime.bigint();
      await published.evaluator.evaluate(facts);
      explanations.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const sqlStarted = Date.now();
    await retierFromScratch(app, published);
    const sqlMs = Date.now() - sqlStarted;
    return {
      row: 'R3',
      program: '50 tiers × 200 conditions, depth 8, appliesTo likewise',
      customers,
      closuresMs: { p50: ms(percentile(closures, 50)), p99: ms(percentile(closures, 99)), max: ms(Math.max(...closures)) },
      compiledExplanationMs: { sample: referenceSample, p50: ms(percentile(explanations, 50)), p99: ms(percentile(explanations, 99)), max: ms(Math.max(...explanations)) },
      jsonRulesEngineMs: { sample: referenceSample, p50: ms(percentile(reference, 50)), p99: ms(percentile(reference, 99)), max: ms(Math.max(...reference)) },
      sqlRetierMs: { total: sqlMs, perCustomer: ms(sqlMs / customers) },
      hangs: 0,
    };
  });
}

/** R6: every stored change audited although the service is killed 20 times. */
async function r6(): Promise<Figure> {
  return onPrivateApp(async (app) => {
    const run = await changesUnderKills({ databaseUrl: app.db.url, adminKey: app.adminKey, changes: 1_000, kills: 20 });
    return {
      row: 'R6',
      attempted: run.attempted,
      acknowledged: run.acknowledged,
      kills: run.kills,
      changesWithoutAudit: run.changesWithoutAudit.length,
      acknowledgedButMissing: run.acknowledgedButMissing.length,
    };
  });
}

/** D4: steady writes while PostgreSQL is stopped and started. */
async function d4(seconds: number): Promise<Figure> {
  return onPrivateApp(async (app, pg) => {
    const restartAt = Math.round((seconds * 1000) / 3);
    const log = await steadyWrites(app, {
      writers: 4,
      durationMs: seconds * 1000,
      prefix: 'd4',
      at: { ms: restartAt, action: async () => { await pg.stop(); await pg.start(); } },
    });
    const stored = new Set((await app.db.dataSource.query(`SELECT external_id FROM customer WHERE external_id LIKE 'd4-%'`)).map((r: { external_id: string }) => r.external_id));
    return {
      row: 'D4',
      seconds,
      restartAtS: restartAt / 1000,
      attempts: log.attempts,
      acknowledged: log.acknowledged.length,
      acknowledgedButMissing: log.acknowledged.filter((id) => !stored.has(id)).length,
      failed: log.failed,
      unmasked: log.unmaskedErrors.length,
      recoverySeconds: log.recoveryMs === null ? null : log.recoveryMs / 1000,
    };
  });
}

/** D5: every app connection terminated 10 times under steady writes. */
async function d5(seconds: number): Promise<Figure> {
  return onPrivateApp(async (app, pg) => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    const admin = new Client({ connectionString: pg.url, application_name: 'reliability-killer' });
    await admin.connect();
    try {
      const kills: number[] = [];
      let terminated = 0;
      const killer = (async () => {
        for (let round = 0; round < 10; round += 1) {
          await sleep((seconds * 1000) / 11);
          kills.push(Date.now());
          const res = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'strata' AND pid <> pg_backend_pid()`);
          terminated += res.rowCount ?? 0;
        }
      })();
      const log = await steadyWrites(app, { writers: 4, durationMs: seconds * 1000, prefix: 'd5' });
      await killer;
      const stored = new Set((await app.db.dataSource.query(`SELECT external_id FROM customer WHERE external_id LIKE 'd5-%'`)).map((r: { external_id: string }) => r.external_id));
      const recovery = recoveryTimes(log, kills);
      return {
        row: 'D5',
        seconds,
        kills: kills.length,
        terminated,
        uncaughtExceptions: uncaught.length,
        attempts: log.attempts,
        acknowledged: log.acknowledged.length,
        acknowledgedButMissing: log.acknowledged.filter((id) => !stored.has(id)).length,
        failed: log.failed,
        unmasked: log.unmaskedErrors.length,
        recoveryMs: { p50: percentile(recovery, 50), p99: percentile(recovery, 99), max: Math.max(...recovery) },
      };
    } finally {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
      await admin.end();
    }
  });
}

/** D6: SIGTERM to the built service under steady writes. */
async function d6(): Promise<Figure> {
  const pg = await startPrivatePostgres(await freePort());
  const adminKey = randomBytes(24).toString('hex');
  let service: ServiceProcess | null = null;
  try {
    service = await startService({ DATABASE_URL: pg.url, STRATA_ADMIN_KEY: adminKey, STRATA_COST_BUCKET: '100000000', STRATA_COST_RESTORE_PER_SECOND: '100000000' });
    const { base, exited } = service;
    const outcomes = { ok: 0, answeredWithError: 0, refused: 0, cut: 0 };
    const cutIds: string[] = [];
    let stop = false;
    let n = 0;
    const writers = Array.from({ length: 8 }, async () => {
      while (!stop) {
        n += 1;
        const id = n;
        try {
          const res = await fetch(`${base}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
            body: JSON.stringify({ query: `mutation { customerUpsert(input: { externalId: "d6-${id}", name: "D6", facts: { customerType: "individual", balance: ${id} } }) { customer { id } } }` }),
          });
          const body = (await res.json()) as { data?: { customerUpsert?: { customer?: { id: string } } } };
          if (body.data?.customerUpsert?.customer?.id) outcomes.ok += 1;
          else outcomes.answeredWithError += 1;
        } catch (error) {
          // Refused: the listener had closed, nothing was sent. Anything else cut a request off.
          if ((error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') {
            outcomes.refused += 1;
            await sleep(20);
          } else {
            outcomes.cut += 1;
            cutIds.push(`d6-${id}`);
          }
        }
      }
    });
    await sleep(3_000);
    const signalled = Date.now();
    service.child.kill('SIGTERM');
    const readiness: number[] = [];
    for (;;) {
      const status = await fetch(`${base}/readyz`).then((r) => r.status, () => 0);
      readiness.push(status);
      if (status === 0) break;
      await sleep(20);
    }
    const { code, at } = await exited;
    stop = true;
    await Promise.all(writers);
    // A request cut off is either one the server never read (a keep-alive connection closed
    // as it was sent: nothing happened) or one it wrote without answering (an in-flight
    // request lost). The table tells them apart.
    const db = new Client({ connectionString: pg.url });
    await db.connect();
    const applied = (await db.query('SELECT count(*)::int AS n FROM customer WHERE external_id = ANY($1)', [cutIds])).rows[0].n as number;
    await db.end();
    const refusedAt = readiness.indexOf(0);
    return {
      row: 'D6',
      readinessAfterSigterm: readiness.filter((s, i) => s !== readiness[i - 1]),
      readiness503BeforeListenerClosed: readiness.indexOf(503) >= 0 && readiness.indexOf(503) < refusedAt,
      requests: outcomes,
      cutButApplied: applied,
      inFlightCompletedPct: applied === 0 ? 100 : null,
      exitCode: code,
      exitSeconds: (at - signalled) / 1000,
    };
  } finally {
    if (service && service.child.exitCode === null) service.child.kill('SIGKILL');
    await pg.destroy();
  }
}

async function main(): Promise<void> {
  // Faults make the service log errors by design; the figures are what this prints.
  if (!process.env.LOG_LEVEL) logger.level = 'silent';
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { seconds: { type: 'string', default: '60' }, out: { type: 'string' }, help: { type: 'boolean', default: false } } });
  if (values.help) return void process.stdout.write(USAGE + '\n');
  const unknown = positionals.filter((p) => !(SUITES as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`unknown suite ${unknown.join(', ')}\n${USAGE}`);
  const suites = (positionals.length ? positionals : SUITES) as Suite[];
  const seconds = Number(values.seconds);
  if (!Number.isInteger(seconds) || seconds < 3) throw new Error(`--seconds must be a whole number of at least 3\n${USAGE}`);
  const figures: Figure[] = [];
  const started = new Date();
  for (const suite of suites) {
    process.stderr.write(`— ${suite}\n`);
    const runs: Record<Suite, () => Promise<Figure>> = { s6: () => s6(seconds), r3: () => r3(10_000, 1_000), r6, d4: () => d4(seconds), d5: () => d5(seconds), d6 };
    const figure = await runs[suite]();
    figures.push(figure);
    process.stdout.write(JSON.stringify(figure) + '\n');
  }
  const out = values.out ?? path.join('.data', 'reliability', `${started.toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ started, finished: new Date(), machine: machine(), figures }, null, 2) + '\n');
  process.stderr.write(`figures written to ${out}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`reliability run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
