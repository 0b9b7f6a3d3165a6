import { createServer, request, Agent, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { systemContext } from '../../src/context';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher';
import { WebhookService } from '../../src/webhooks/webhook.service';
import { withTransaction } from '../../src/shared/transaction';
import { BenchDatabase, BenchOptions, RULE_CHANGES, changed, publish, publishedProgram, seconds, summary, timed } from './support';
import { strataRetier } from './retier';

const PROGRAM = 'retail-bank';
const ENDPOINTS = 4;
/** In flight per endpoint, as the dispatcher's default: the loop baseline uses as many. */
const PER_ENDPOINT = 4;
/** The steady write rate of the lag figure. */
const WRITES_PER_SECOND = 50;

interface LocalReceiver {
  url: string;
  received: number;
  lags: number[];
  close(): Promise<void>;
}

async function localReceiver(): Promise<LocalReceiver> {
  const state = { received: 0, lags: [] as number[] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.received += 1;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { timestamp: string };
      state.lags.push(Date.now() - Date.parse(body.timestamp));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    get received() {
      return state.received;
    },
    get lags() {
      return state.lags;
    },
    close: () => new Promise((resolve) => server.close(() => resolve()).closeAllConnections()),
  };
}

/**
 * Webhook delivery, three figures:
 * - throughput: the events of a publish moving ~1 % of the customers and of its undoing, to 4 endpoints on
 *   loopback, by one dispatcher, until every delivery is recorded; against a plain loop
 *   POSTing the same number of bodies to the same receivers with the same concurrency (no
 *   database, no signing, no log);
 * - lag from a change's instant to its receipt under steady customer writes (WRITES_PER_SECOND,
 *   each moving a customer across a threshold, for 20 s), p50 and p99, with the dispatcher
 *   as in production (polling every second, and at once when a call ends).
 */
export async function benchWebhooks(options: BenchOptions, db: BenchDatabase): Promise<void> {
  const receivers = await Promise.all(Array.from({ length: ENDPOINTS }, () => localReceiver()));
  const ctx = systemContext(db.deps, 'bench');
  // The receivers are on loopback, which Strata calls only when allowed.
  const webhooks = new WebhookService(db.services.audit, true);
  const ids: string[] = [];
  for (const receiver of receivers) {
    const { endpoint } = await withTransaction(ctx, (tx) => webhooks.create(tx, { url: receiver.url, types: null }));
    ids.push(endpoint.id);
  }
  const original = (await publishedProgram(db, PROGRAM)).version.document;
  try {
    const times = { strata: [] as number[], loop: [] as number[] };
    let deliveries = 0;
    for (let run = 0; run < options.runs; run += 1) {
      // A publish moving ~1 % and its rollback: each moved customer's tier.changed, twice.
      await strataRetier(db, changed(original, RULE_CHANGES[0]));
      await strataRetier(db, original);
      const [{ pending }] = await db.dataSource.query(`SELECT count(*)::int AS pending FROM event e, webhook_endpoint w WHERE (e.position, e.id) > (w.feed_position, w.feed_serial)`);
      const dispatcher = new WebhookDispatcher(db.deps, { allowPrivate: true });
      const before = receivers.reduce((n, r) => n + r.received, 0);
      const strata = await timed(() => dispatcher.drain());
      await dispatcher.stop();
      deliveries = receivers.reduce((n, r) => n + r.received, 0) - before;
      if (deliveries < pending) throw new Error(`delivered ${deliveries} of ${pending}`);
      times.strata.push(strata.ms);
      times.loop.push((await timed(() => postLoop(receivers, deliveries))).ms);
      options.log(`  webhooks: ${deliveries.toLocaleString('en')} deliveries to ${ENDPOINTS} endpoints, run ${run + 1}/${options.runs}: Strata ${seconds(strata.ms)} s, plain POST loop ${seconds(times.loop.at(-1)!)} s`);
    }
    const strata = summary(times.strata.map((ms) => deliveries / (ms / 1000)));
    const loop = summary(times.loop.map((ms) => deliveries / (ms / 1000)));
    options.report({
      suite: 'webhooks',
      figure: 'deliveries per second to loopback receivers',
      customers: db.customers,
      endpoints: ENDPOINTS,
      deliveries,
      strataPerSecond: strata,
      plainPostLoopPerSecond: loop,
      strataToLoop: Number((strata.median / loop.median).toFixed(2)),
    });

    for (const r of receivers) r.lags.length = 0;
    const dispatcher = new WebhookDispatcher(db.deps, { allowPrivate: true });
    dispatcher.start();
    const writes = await steadyWrites(db, WRITES_PER_SECOND, 20_000);
    const expected = writes * ENDPOINTS;
    for (const started = Date.now(); receivers.reduce((n, r) => n + r.lags.length, 0) < expected && Date.now() - started < 120_000; ) await new Promise((resolve) => setTimeout(resolve, 100));
    await dispatcher.stop();
    const lags = receivers.flatMap((r) => r.lags).sort((a, b) => a - b);
    const at = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))];
    options.report({ suite: 'webhooks', figure: 'lag from change to receipt under steady writes', customers: db.customers, writesPerSecond: WRITES_PER_SECOND, writes, expected, received: lags.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: lags.at(-1) });
    options.log(`  webhooks: lag under ${writes} writes at ${WRITES_PER_SECOND}/s: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms over ${lags.length} of ${expected} calls`);
  } finally {
    await withTransaction(ctx, async (tx) => {
      for (const id of ids) await webhooks.remove(tx, id);
    });
    await publish(db, PROGRAM, original);
    await Promise.all(receivers.map((r) => r.close()));
  }
}

/** The baseline: `count` POSTs of an event-sized body spread over the receivers, PER_ENDPOINT in flight each. */
async function postLoop(receivers: LocalReceiver[], count: number): Promise<void> {
  const agent = new Agent({ keepAlive: true });
  const body = JSON.stringify({ type: 'tier.changed', timestamp: new Date().toISOString(), data: { id: 'evt_0', to: 'B', from: 'C', cause: 'RULE_PUBLISH' } });
  let next = 0;
  const worker = async (url: string) => {
    while (next < count) {
      next += 1;
      await new Promise<void>((resolve, reject) => {
        const call = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        call.on('error', reject);
        call.end(body);
      });
    }
  };
  await Promise.all(receivers.flatMap((r) => Array.from({ length: PER_ENDPOINT }, () => worker(r.url))));
  agent.destroy();
}

/**
 * Customer writes at `perSecond` for `ms`, each moving one of 500 customers across a
 * threshold (so each is one tier.changed); answers how many were written.
 */
async function steadyWrites(db: BenchDatabase, perSecond: number, ms: number): Promise<number> {
  const started = Date.now();
  let writes = 0;
  for (let i = 0; Date.now() - started < ms; i += 1) {
    const due = started + (i * 1000) / perSecond;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    const ctx = systemContext(db.deps, 'bench');
    await withTransaction(ctx, (tx) =>
      db.services.customers.upsert(tx, { externalId: `lag-${i % 500}`, name: 'lag', facts: { customerType: 'individual', balance: Math.floor(i / 500) % 2 === 0 ? 600_000 : 5_000 } }),
    );
    writes += 1;
  }
  return writes;
}
