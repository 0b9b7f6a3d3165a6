import { setTimeout as sleep } from 'node:timers/promises';
import { TestApp, startTestApp } from '../helpers/app';
import { PrivatePostgres, startPrivatePostgres } from '../helpers/private-postgres';
import { freePort } from '../helpers/service-process';
import { WriteLog, steadyWrites } from '../helpers/steady-writes';

/**
 * RELIABILITY.md D7 (health semantics) and the short version of D4 (no acknowledged write
 * lost when PostgreSQL restarts), on a PostgreSQL of this test's own.
 */
describe('PostgreSQL stopped and restarted under the service', () => {
  let pg: PrivatePostgres;
  let app: TestApp;
  let base: string;
  beforeAll(async () => {
    pg = await startPrivatePostgres(await freePort());
    app = await startTestApp({ databaseUrl: pg.url, retier: { start: false }, costLimits: { maxCost: 5_000, bucketSize: 1e9, restorePerSecond: 1e9 } });
    base = app.url.replace('/graphql', '');
  });
  afterAll(async () => {
    await app?.close();
    await pg?.destroy();
  });

  const statusOf = async (route: string) => (await fetch(`${base}${route}`)).status;
  /** Polls until /readyz answers `status`; the milliseconds it took. */
  async function readyWithin(status: number, limitMs: number): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < limitMs) {
      if ((await statusOf('/readyz')) === status) return Date.now() - started;
      await sleep(50);
    }
    return Infinity;
  }

  it('D7: /healthz stays 200 while /readyz says 503 within 2 s of the database stopping and 200 within 5 s of it starting', async () => {
    expect([await statusOf('/healthz'), await statusOf('/readyz')]).toEqual([200, 200]);
    await pg.stop();
    const down = await readyWithin(503, 5_000);
    const health: number[] = [];
    for (let i = 0; i < 5; i += 1) health.push(await statusOf('/healthz'));
    await pg.start();
    const up = await readyWithin(200, 10_000);
    expect({ health: [...new Set(health)], downWithin2s: down <= 2_000, upWithin5s: up <= 5_000 }).toEqual({ health: [200], downWithin2s: true, upWithin5s: true });
  });

  it('D4 (short): no acknowledged write is lost when PostgreSQL restarts under steady writes', async () => {
    const [{ started: before }] = await app.db.dataSource.query('SELECT pg_postmaster_start_time() AS started');
    const log: WriteLog = await steadyWrites(app, {
      writers: 4,
      durationMs: 6_000,
      prefix: 'd4',
      at: { ms: 2_000, action: async () => { await pg.stop(); await pg.start(); } },
    });
    const [{ started: after }] = await app.db.dataSource.query('SELECT pg_postmaster_start_time() AS started');
    expect(after.getTime()).toBeGreaterThan(before.getTime());
    const stored = new Set((await app.db.dataSource.query(`SELECT external_id FROM customer WHERE external_id LIKE 'd4-%'`)).map((r: { external_id: string }) => r.external_id));
    const missing = log.acknowledged.filter((id) => !stored.has(id));
    expect({ missing, acknowledgedAfterRestart: log.acknowledgedAfterAction > 0, masked: log.unmaskedErrors }).toEqual({ missing: [], acknowledgedAfterRestart: true, masked: [] });
  });
});
