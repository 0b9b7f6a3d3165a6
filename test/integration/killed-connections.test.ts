import { Client } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestApp, startTestApp } from '../helpers/app';
import { recoveryTimes, steadyWrites } from '../helpers/steady-writes';

const KILLS = 10;

/** RELIABILITY.md D5: the service survives PostgreSQL terminating all its connections, 10× under load. */
describe('connections killed under load', () => {
  let app: TestApp;
  let admin: Client;
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false }, costLimits: { maxCost: 5_000, bucketSize: 1e9, restorePerSecond: 1e9 } });
    admin = new Client({ connectionString: process.env.STRATA_TEST_ADMIN_URL });
    await admin.connect();
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    await admin.end();
    await app.close();
  });

  it(`recovers from ${KILLS} rounds of pg_terminate_backend on every app connection, losing no acknowledged write`, async () => {
    const database = app.db.dataSource.driver.database;
    const kills: number[] = [];
    let terminated = 0;
    const killer = (async () => {
      for (let round = 0; round < KILLS; round += 1) {
        await sleep(400);
        kills.push(Date.now());
        const rows = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
        terminated += rows.rowCount ?? 0;
      }
    })();
    const log = await steadyWrites(app, { writers: 4, durationMs: 5_000, prefix: 'd5' });
    await killer;
    const recovery = recoveryTimes(log, kills);
    // Read on a connection of its own: a pooled one idle since the last round may be one PostgreSQL just terminated.
    const reader = new Client({ connectionString: app.db.url });
    await reader.connect();
    const stored = new Set((await reader.query(`SELECT external_id FROM customer WHERE external_id LIKE 'd5-%'`)).rows.map((r: { external_id: string }) => r.external_id));
    await reader.end();
    expect({
      terminatedSome: terminated > 0,
      uncaught,
      unmasked: log.unmaskedErrors,
      missing: log.acknowledged.filter((id) => !stored.has(id)),
      recoveredWithin2s: Math.max(...recovery) < 2_000,
    }).toEqual({ terminatedSome: true, uncaught: [], unmasked: [], missing: [], recoveredWithin2s: true });
  });
});
