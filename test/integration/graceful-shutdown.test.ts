import { Client } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestApp, startTestApp } from '../helpers/app';
import { startService } from '../helpers/service-process';

// Fewer than the pool's 10 connections, so /readyz and late requests still get one.
const IN_FLIGHT = 5;

/**
 * RELIABILITY.md D6: the built service gets SIGTERM with requests in flight. Readiness
 * turns 503 before the listener closes, every request it had accepted completes, and the
 * process exits 0 well within 10 s.
 */
describe('graceful shutdown on SIGTERM', () => {
  let app: TestApp;
  let admin: Client;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false } });
    admin = new Client({ connectionString: app.db.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await app.close();
  });

  it(`answers readiness 503 first, completes ${IN_FLIGHT} requests in flight and exits 0 within 10 s`, async () => {
    const { child, base, exited } = await startService({ DATABASE_URL: app.db.url, STRATA_ADMIN_KEY: app.adminKey, STRATA_SHUTDOWN_DELAY_MS: '500' });
    const gql = async (query: string, variables: Record<string, unknown>) => {
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${app.adminKey}` },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: (await res.json()) as { data?: any; errors?: unknown[] } };
    };
    const created = await gql(`mutation { customerUpsert(input: { externalId: "d6", name: "D6", facts: { customerType: "individual", balance: 1 } }) { customer { id } } }`, {});
    const id = created.body.data.customerUpsert.customer.id;

    // A row lock held here keeps these updates in flight until it is released.
    await admin.query('BEGIN');
    await admin.query('SELECT 1 FROM customer WHERE id = $1 FOR UPDATE', [id]);
    const inFlight = Array.from({ length: IN_FLIGHT }, (_, i) =>
      gql(`mutation($id: ID!, $facts: JSONObject!) { customerFactsUpdate(id: $id, facts: $facts) { customer { version } userErrors { code } } }`, { id, facts: { balance: i + 2 } }),
    );
    await sleep(300);
    const signalled = Date.now();
    child.kill('SIGTERM');
    const readiness: number[] = [];
    let released = false;
    let lateArrival: Promise<{ status: number; body: { data?: any; errors?: unknown[] } }> | null = null;
    for (;;) {
      const status = await fetch(`${base}/readyz`).then((r) => r.status, () => 0);
      if (status !== readiness.at(-1)) readiness.push(status);
      // A request arriving while readiness is 503 but the listener still open is served too.
      if (status === 503 && !lateArrival) {
        lateArrival = gql(`mutation { customerUpsert(input: { externalId: "d6-late", name: "Late", facts: { customerType: "individual" } }) { customer { id } } }`, {});
      }
      if (!released && Date.now() - signalled > 1_000) {
        await admin.query('COMMIT');
        released = true;
      }
      if (status === 0 && released) break;
      await sleep(20);
    }
    const answers = await Promise.all(inFlight);
    const late = await lateArrival!;
    const { code, at } = await exited;
    const [{ version }] = await app.db.dataSource.query('SELECT version FROM customer WHERE id = $1', [id]);
    expect({
      readiness: readiness.filter((s) => s !== 200),
      answered: answers.map((a) => [a.status, a.body.errors ?? [], a.body.data.customerFactsUpdate.userErrors]),
      late: [late.status, late.body.errors ?? [], typeof late.body.data?.customerUpsert?.customer?.id],
      version,
      code,
      within10s: at - signalled < 10_000,
    }).toEqual({
      late: [200, [], 'string'],
      readiness: [503, 0],
      answered: Array.from({ length: IN_FLIGHT }, () => [200, [], []]),
      version: 1 + IN_FLIGHT,
      code: 0,
      within10s: true,
    });
  });
});
