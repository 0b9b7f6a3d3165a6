import { newSecret } from '../../src/auth/auth.service';
import { withTransaction } from '../../src/shared/transaction';
import { RetierRunner } from '../../src/retier/retier-runner';
import { systemContext } from '../../src/context';
import { documentOf } from '../../src/programs/program.service';
import { ProgramSpec } from '../../src/rules/program-validator';
import { largestProgram } from '../../test/helpers/largest-program';
import { random } from '../../src/demo/demo-customers';
import { freePort, ready, startUnthrottled } from './api';
import { BenchDatabase, BenchOptions, summary } from './support';

const LARGEST = 'largest';
/** The other key's request: the smallest useful read, one customer's tier. */
const SMALL = `query($externalId: String!) { customer(externalId: $externalId) { tier(programKey: "retail-bank") { tier { key } } } }`;
const SECONDS = 15;
/** The small key asks this often, one request after another. */
const SMALL_INTERVAL_MS = 20;
/** The heaviest allowed request, one after another from one key, its budget lifted: always one running. */
const HEAVY_IN_FLIGHT = 1;

interface Heavy {
  name: string;
  body: (pick: () => string, page: number) => string;
}

/**
 * One key cannot stall another: with the largest program the validator accepts published,
 * one key sends the heaviest request the cost limit allows, back to back, while another
 * key reads one customer's tier every 20 ms. Its latency is compared with the same reads
 * on an idle server, in the same run. The heavy requests are sized from the server's own
 * price (`extensions.cost`), so they are exactly what a client could send.
 */
export async function benchIsolation(options: BenchOptions, db: BenchDatabase): Promise<void> {
  const ctx = systemContext(db.deps, 'bench');
  if (!(await db.services.programs.find(ctx, LARGEST))) {
    await withTransaction(ctx, async (tx) => {
      const spec: ProgramSpec = largestProgram(LARGEST);
      const program = await db.services.programs.create(tx, spec);
      await db.services.publisher.publish(tx, program, documentOf(spec), 'ruleFilePublish', { file: 'bench' });
    });
    await new RetierRunner(db.deps, db.services.retierStage).drain();
  }
  const externalIds: string[] = (await db.dataSource.query('SELECT external_id FROM customer')).map((r: { external_id: string }) => r.external_id);
  const next = random(7);
  const pick = () => externalIds[Math.floor(next() * externalIds.length)];
  const adminKey = newSecret();
  const port = await freePort();
  // The heavy key never waits for points: only the per-request limit applies.
  const strata = startUnthrottled(db.url, port, adminKey);
  try {
    await ready(`http://127.0.0.1:${port}/readyz`, strata);
    const url = `http://127.0.0.1:${port}/graphql`;
    const post = (key: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
    // Heavy answers are megabytes: the bench process, sharing the machine's cores, only checks them for errors.
    const failedHeavy = async (key: string, body: string) => {
      const res = await post(key, body);
      return res.status !== 200 || (await res.text()).includes('"errors":[');
    };
    const call = async (key: string, body: string) => {
      const res = await post(key, body);
      return (await res.json()) as { data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[]; extensions?: { cost?: { requestedQueryCost: number; maximumQueryCost: number } } };
    };
    const created = await call(
      adminKey,
      JSON.stringify({ query: `mutation { apiKeyCreate(input: { name: "small reader", roles: [VIEWER] }) { secret } }` }),
    );
    const smallKey = (created.data!.apiKeyCreate as { secret: string }).secret;

    const explained = (page: number) => `{ customers(first: ${page}) { edges { node { tier(programKey: "${LARGEST}") { explanation { matchedTierKey appliesTo outcomes { tierKey passed conditions } nextTier { tierKey } } } } } } }`;
    // The largest page of explanations in the largest program that one request may ask for.
    const one = await call(adminKey, JSON.stringify({ query: explained(1) }));
    const { requestedQueryCost: perOne, maximumQueryCost: max } = one.extensions!.cost!;
    let page = Math.max(1, Math.floor(max / perOne));
    while (page > 1 && (await call(adminKey, JSON.stringify({ query: explained(page) }))).errors?.[0]?.extensions?.code === 'QUERY_TOO_COSTLY') page -= 1;
    const heavies: Heavy[] = [
      { name: `customers(first: ${page}) with explanations in the largest program`, body: () => JSON.stringify({ query: explained(page) }) },
      {
        name: 'customerEntitlements, 500 customers',
        body: (p) =>
          JSON.stringify({
            query: `query($ids: [String!]) { customerEntitlements(externalIds: $ids) { externalId entitlements { key value source programKey tierKey } } }`,
            variables: { ids: Array.from({ length: 500 }, p) },
          }),
      },
    ];

    const smallReads = async (stop: () => boolean) => {
      const latencies: number[] = [];
      let failed = 0;
      while (!stop()) {
        const started = performance.now();
        const res = await call(smallKey, JSON.stringify({ query: SMALL, variables: { externalId: pick() } }));
        latencies.push(performance.now() - started);
        if (res.errors) failed += 1;
        await new Promise((resolve) => setTimeout(resolve, SMALL_INTERVAL_MS));
      }
      return { latencies, failed };
    };
    const measure = async (heavy: Heavy | null) => {
      const until = Date.now() + SECONDS * 1000;
      const stop = () => Date.now() > until;
      const heavyLatencies: number[] = [];
      let heavyFailed = 0;
      const heavyLoop = async () => {
        while (heavy && !stop()) {
          const started = performance.now();
          const failed = await failedHeavy(adminKey, heavy.body(pick, page));
          heavyLatencies.push(performance.now() - started);
          if (failed) heavyFailed += 1;
        }
      };
      const [small] = await Promise.all([smallReads(stop), ...Array.from({ length: HEAVY_IN_FLIGHT }, heavyLoop)]);
      return { small, heavyLatencies, heavyFailed };
    };

    // Warm-up: compile the programs and fill the connection pool.
    await measure(null);
    for (const heavy of heavies) {
      const runs = { idleP99: [] as number[], loadedP50: [] as number[], loadedP99: [] as number[], loadedMax: [] as number[], heavyP50: [] as number[], heavy: 0, failed: 0 };
      for (let run = 0; run < options.runs; run += 1) {
        const idle = await measure(null);
        const loaded = await measure(heavy);
        runs.idleP99.push(percentile(idle.small.latencies, 99));
        runs.loadedP50.push(percentile(loaded.small.latencies, 50));
        runs.loadedP99.push(percentile(loaded.small.latencies, 99));
        runs.loadedMax.push(Math.max(...loaded.small.latencies));
        runs.heavyP50.push(percentile(loaded.heavyLatencies, 50));
        runs.heavy += loaded.heavyLatencies.length;
        runs.failed += idle.small.failed + loaded.small.failed + loaded.heavyFailed;
        options.log(`  isolation ${heavy.name}, run ${run + 1}/${options.runs}: small read p99 ${runs.loadedP99.at(-1)!.toFixed(1)} ms under load, ${runs.idleP99.at(-1)!.toFixed(1)} ms idle`);
      }
      const idleP99 = summary(runs.idleP99, 1);
      const loadedP99 = summary(runs.loadedP99, 1);
      options.report({
        suite: 'isolation',
        figure: heavy.name,
        customers: db.customers,
        largestProgram: '50 tiers × 200 conditions, depth 8, appliesTo likewise',
        heavyCostEach: heavy.name.startsWith('customers') ? page * perOne : null,
        heavyInFlight: HEAVY_IN_FLIGHT,
        heavyRequests: runs.heavy,
        heavyP50Ms: summary(runs.heavyP50, 1),
        smallReadIdleP99Ms: idleP99,
        smallReadLoadedP50Ms: summary(runs.loadedP50, 1),
        smallReadLoadedP99Ms: loadedP99,
        smallReadLoadedMaxMs: summary(runs.loadedMax, 1),
        loadedOverIdleP99: Number((loadedP99.median / idleP99.median).toFixed(2)),
        failed: runs.failed,
      });
    }
  } finally {
    strata.kill('SIGTERM');
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
