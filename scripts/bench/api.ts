import autocannon from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { newSecret } from '../../src/auth/auth.service';
import { createDataSource } from '../../src/database/data-source';
import { QueryCounter } from '../../src/database/query-counter';
import { createServer } from '../../src/server';
import { random } from '../../src/demo/demo-customers';
import { BenchDatabase, BenchOptions, summary } from './support';

const CARD = `query($externalId: String!) { customer(externalId: $externalId) {
  id externalId name segment facts
  tier(programKey: "retail-bank") { tier { key name rank } }
  entitlements { key value source programKey tierKey } } }`;

const CARD_EXPLAINED = `query($externalId: String!) { customer(externalId: $externalId) {
  id externalId name segment facts
  tier(programKey: "retail-bank") { tier { key name rank } explanation { matchedTierKey outcomes { tierKey passed conditions } nextTier { tierKey requirements { message } } } }
  entitlements { key value source programKey tierKey } } }`;

const BATCH = `query($externalIds: [String!]) { customerEntitlements(externalIds: $externalIds) {
  externalId found entitlements { key value source programKey tierKey } } }`;

const BATCH_SIZE = 100;
const CONNECTIONS = 10;
const SECONDS = 10;
const WARM_UP_SECONDS = 3;

interface Workload {
  name: string;
  strata: (pick: () => string) => string;
  /** The raw handler's path and body; null when it has no equivalent. */
  raw: { path: string; body: (pick: () => string) => string } | null;
}

const WORKLOADS: Workload[] = [
  {
    name: 'customer card (tier + entitlements)',
    strata: (pick) => JSON.stringify({ query: CARD, variables: { externalId: pick() } }),
    raw: { path: '/card', body: (pick) => JSON.stringify({ externalId: pick() }) },
  },
  {
    name: `customerEntitlements, ${BATCH_SIZE} customers`,
    strata: (pick) => JSON.stringify({ query: BATCH, variables: { externalIds: Array.from({ length: BATCH_SIZE }, pick) } }),
    raw: { path: '/entitlements', body: (pick) => JSON.stringify({ externalIds: Array.from({ length: BATCH_SIZE }, pick) }) },
  },
  {
    name: 'customer card with explanation (json-rules-engine)',
    strata: (pick) => JSON.stringify({ query: CARD_EXPLAINED, variables: { externalId: pick() } }),
    raw: null,
  },
];

/**
 * Strata's API against a minimal node:http + pg handler answering the same questions with
 * the least SQL (scripts/bench/raw-handler.ts), each a separate Node process on loopback,
 * loaded by autocannon with random customers; runs interleaved, medians reported. Before
 * the load, both must give identical answers for the same customers. SQL statements per
 * request are counted in-process for Strata and reported by the raw handler.
 */
export async function benchApi(options: BenchOptions, db: BenchDatabase): Promise<void> {
  const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM entitlement_grant WHERE reason = 'bench'`);
  if (n === 0) {
    // One customer in a hundred holds a grant, so the grant path has work too.
    await db.dataSource.query(
      `INSERT INTO entitlement_grant (customer_id, entitlement_key, value, reason)
       SELECT id, 'feeDiscountPct', '60', 'bench' FROM customer WHERE external_id LIKE '%00'`,
    );
  }
  const externalIds: string[] = (await db.dataSource.query('SELECT external_id FROM customer')).map((r: { external_id: string }) => r.external_id);
  const next = random(7);
  const pick = () => externalIds[Math.floor(next() * externalIds.length)];
  const key = newSecret();
  const strataPort = await freePort();
  const rawPort = await freePort();
  const strata = startUnthrottled(db.url, strataPort, key);
  const raw = start('dist/scripts/bench/raw-handler.js', { DATABASE_URL: db.url, PORT: String(rawPort) });
  try {
    await ready(`http://127.0.0.1:${strataPort}/readyz`, strata);
    await ready(`http://127.0.0.1:${rawPort}/healthz`, raw);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
    const strataUrl = `http://127.0.0.1:${strataPort}/graphql`;
    const rawUrl = (path: string) => `http://127.0.0.1:${rawPort}${path}`;
    await expectSameAnswers(strataUrl, rawUrl, headers, pick);
    const statements = await strataStatements(db, key, pick);
    for (const workload of WORKLOADS) {
      const figures = { strata: [] as autocannon.Result[], raw: [] as autocannon.Result[] };
      for (let run = 0; run < options.runs; run += 1) {
        figures.strata.push(await load(strataUrl, headers, () => workload.strata(pick)));
        if (workload.raw) figures.raw.push(await load(rawUrl(workload.raw.path), headers, () => workload.raw!.body(pick)));
        options.log(
          `  api ${workload.name}, run ${run + 1}/${options.runs}: Strata ${Math.round(figures.strata.at(-1)!.requests.average)} req/s` +
            (workload.raw ? `, raw handler ${Math.round(figures.raw.at(-1)!.requests.average)} req/s` : ''),
        );
      }
      const rawStatements = workload.raw ? await rawStatementCount(rawUrl(workload.raw.path), headers, workload.raw.body(pick)) : null;
      const describe = (results: autocannon.Result[]) =>
        results.length
          ? {
              requestsPerSecond: summary(results.map((r) => r.requests.average)),
              p50Ms: summary(results.map((r) => r.latency.p50), 1),
              p99Ms: summary(results.map((r) => r.latency.p99), 1),
              failed: results.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
            }
          : null;
      const s = describe(figures.strata)!;
      const r = describe(figures.raw);
      options.report({
        suite: 'api',
        figure: workload.name,
        customers: db.customers,
        connections: CONNECTIONS,
        seconds: SECONDS,
        strata: { ...s, sqlStatements: statements[workload.name] },
        rawHandler: r ? { ...r, sqlStatements: rawStatements } : null,
        strataShareOfRaw: r ? Number((s.requestsPerSecond.median / r.requestsPerSecond.median).toFixed(2)) : null,
      });
    }
  } finally {
    strata.kill('SIGTERM');
    raw.kill('SIGTERM');
  }
}

/**
 * The built service in production mode with `adminKey`, its budget lifted: a load test is
 * one key spending far faster than any integrator may (every request is priced all the same).
 */
export function startUnthrottled(databaseUrl: string, port: number, adminKey: string): ChildProcess {
  return start('dist/src/index.js', {
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    STRATA_ADMIN_KEY: adminKey,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    STRATA_COST_BUCKET: '100000000',
    STRATA_COST_RESTORE_PER_SECOND: '100000000',
  });
}

function start(script: string, env: Record<string, string>): ChildProcess {
  // STRATA_BENCH_PROFILE=dir writes a CPU profile of each server the bench starts (Node refuses --cpu-prof in NODE_OPTIONS).
  const profile = process.env.STRATA_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.STRATA_BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, script], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  child.on('exit', (code) => {
    if (code) process.stderr.write(`${script} exited with ${code}: ${stderr}\n`);
  });
  return child;
}

export async function ready(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited with ${child.exitCode}`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not become ready`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers, body });
}

async function data(url: string, headers: Record<string, string>, body: string): Promise<unknown> {
  return ((await (await post(url, headers, body)).json()) as { data: unknown }).data;
}

/** The same 50 customers and one batch through both servers must give the same data. */
async function expectSameAnswers(strataUrl: string, rawUrl: (path: string) => string, headers: Record<string, string>, pick: () => string): Promise<void> {
  const asked = Array.from({ length: 50 }, pick);
  for (const externalId of asked) {
    const s = await data(strataUrl, headers, JSON.stringify({ query: CARD, variables: { externalId } }));
    const r = await data(rawUrl('/card'), headers, JSON.stringify({ externalId }));
    if (!isDeepStrictEqual(s, r)) throw new Error(`the servers disagree on ${externalId}:\n${JSON.stringify(s)}\n${JSON.stringify(r)}`);
  }
  const s = await data(strataUrl, headers, JSON.stringify({ query: BATCH, variables: { externalIds: asked } }));
  const r = await data(rawUrl('/entitlements'), headers, JSON.stringify({ externalIds: asked }));
  if (!isDeepStrictEqual(s, r)) throw new Error('the servers disagree on the batch call');
}

async function load(url: string, headers: Record<string, string>, body: () => string): Promise<autocannon.Result> {
  const run = (duration: number) =>
    autocannon({
      url,
      method: 'POST',
      headers,
      connections: CONNECTIONS,
      duration,
      requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }],
    });
  await run(WARM_UP_SECONDS);
  return run(SECONDS);
}

async function rawStatementCount(url: string, headers: Record<string, string>, body: string): Promise<number> {
  return Number((await post(url, headers, body)).headers.get('x-sql-statements'));
}

/** SQL statements per request of each workload, counted by an in-process Strata on the same database. */
async function strataStatements(db: BenchDatabase, key: string, pick: () => string): Promise<Record<string, number>> {
  const counter = new QueryCounter();
  const dataSource = createDataSource({ url: db.url, queryLogger: counter, poolSize: 2 });
  await dataSource.initialize();
  const strata = await createServer(dataSource, { production: true, retier: { start: false } });
  const server = strata.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/graphql`;
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
    const counts: Record<string, number> = {};
    for (const workload of WORKLOADS) {
      await post(url, headers, workload.strata(pick));
      const before = counter.count;
      const res = await post(url, headers, workload.strata(pick));
      if (!res.ok) throw new Error(`${workload.name}: HTTP ${res.status}`);
      counts[workload.name] = counter.count - before;
    }
    return counts;
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await strata.stop();
    await dataSource.destroy();
  }
}
