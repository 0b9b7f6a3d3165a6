import { Client } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { drainAndStop } from '../../src/shutdown';
import { GraphQLResponse, TestApp, startTestApp } from '../helpers/app';
import { steadyWrites } from '../helpers/steady-writes';

const IN_FLIGHT = 10;

/** RELIABILITY.md D6: shutdown under load answers readiness 503 first and finishes what it accepted. */
describe('graceful shutdown', () => {
  let app: TestApp;
  let admin: Client;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false }, costLimits: { maxCost: 5_000, bucketSize: 1e9, restorePerSecond: 1e9 } });
    admin = new Client({ connectionString: app.db.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await app.db.drop();
  });

  it(`readiness 503 first, ${IN_FLIGHT} requests in flight all completed, stopped well within 10 s`, async () => {
    const base = app.url.replace('/graphql', '');
    const created = await app.gql(`mutation { customerUpsert(input: { externalId: "d6", name: "D6", facts: { customerType: "individual", balance: 1 } }) { customer { id } } }`);
    const id = created.data.customerUpsert.customer.id;
    // A row lock held elsewhere keeps these updates in flight until it is released.
    await admin.query('BEGIN');
    await admin.query('SELECT 1 FROM customer WHERE id = $1 FOR UPDATE', [id]);
    const inFlight: Promise<GraphQLResponse>[] = Array.from({ length: IN_FLIGHT }, (_, i) =>
      app.gql(`mutation($id: ID!, $facts: JSONObject!) { customerFactsUpdate(id: $id, facts: $facts) { customer { version } userErrors { code } } }`, { id, facts: { balance: i + 2 } }),
    );
    const load = steadyWrites(app, { writers: 2, durationMs: 1_500, prefix: 'd6' });
    await sleep(300);
    const started = Date.now();
    const stopping = drainAndStop(app.server, app.strata, { drainDelayMs: 500, graceMs: 8_000 });
    const readiness = await fetch(`${base}/readyz`);
    const healthWhileDraining = await fetch(`${base}/healthz`);
    await sleep(1_000);
    await admin.query('COMMIT');
    const answers = await Promise.all(inFlight);
    const { completed } = await stopping;
    const elapsed = Date.now() - started;
    await load;
    const [{ version }] = await app.db.dataSource.query('SELECT version FROM customer WHERE id = $1', [id]);
    expect({
      readiness: [readiness.status, await readiness.json()],
      health: healthWhileDraining.status,
      answered: answers.map((a) => [a.status, a.errors ?? [], a.data.customerFactsUpdate.userErrors]),
      version,
      completed,
      within10s: elapsed < 10_000,
    }).toEqual({
      readiness: [503, { status: 'unavailable', reason: 'shutting down' }],
      health: 200,
      answered: Array.from({ length: IN_FLIGHT }, () => [200, [], []]),
      version: 1 + IN_FLIGHT,
      completed: true,
      within10s: true,
    });
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
