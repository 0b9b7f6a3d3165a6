import express from 'express';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RetierRunner, enqueueRetier } from '../../src/retier/retier-runner';
import { newSecret } from '../../src/auth/auth.service';
import { bootstrap } from '../../src/bootstrap';
import { loadConfig } from '../../src/config';
import { createDataSource } from '../../src/database/data-source';
import { TierChangeCause } from '../../src/evaluation/tier-change.entity';
import { healthRouter } from '../../src/health';
import { withTransaction } from '../../src/shared/transaction';
import { loadRuleFiles } from '../../src/authoring/rule-files';
import { TestApp, startTestApp } from '../helpers/app';
import { createTestDatabase } from '../helpers/database';

describe('operations', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('has migrations that match the entities exactly', async () => {
    const pending = await app.db.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('answers /healthz and /readyz', async () => {
    const base = app.url.replace('/graphql', '');
    const health = await fetch(`${base}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
  });

  it('reports readiness 503 while a migration is pending', async () => {
    const db = await createTestDatabase();
    try {
      await db.dataSource.query(`DELETE FROM migrations`);
      const server = express().use(healthRouter(db.dataSource)).listen(0);
      const port = (server.address() as { port: number }).port;
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect([res.status, await res.json()]).toEqual([503, { status: 'unavailable', reason: 'migrations pending' }]);
      server.close();
    } finally {
      await db.drop();
    }
  });

  it('serves the offline explorer without any CDN', async () => {
    const base = app.url.replace('/graphql', '');
    const html = await (await fetch(`${base}/explorer`)).text();
    expect(html).toContain('/explorer/graphiql.js');
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of ['react.js', 'react-dom.js', 'graphiql.js', 'graphiql.css']) {
      const res = await fetch(`${base}/explorer/${asset}`);
      expect([asset, res.status]).toEqual([asset, 200]);
    }
  });

  it('loads rules/ idempotently and reports files that differ from the version in force', async () => {
    const again = await loadRuleFiles(app.systemContext(), app.strata.services, path.resolve('rules'));
    expect(again).toEqual({ created: [], unchanged: ['corporate-banking', 'retail-bank', 'telecom-group'], differing: [], drafted: {} });

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-rules-'));
    const retail = JSON.parse(fs.readFileSync('rules/retail-bank.json', 'utf8'));
    retail.tiers[0].conditions.all[0].value = 600000;
    fs.writeFileSync(path.join(dir, 'retail-bank.json'), JSON.stringify(retail));
    expect(await loadRuleFiles(app.systemContext(), app.strata.services, dir)).toEqual({ created: [], unchanged: [], differing: ['retail-bank'], drafted: {} });
  });

  it('stops on an invalid file with a message naming the file and the problem, keeping nothing from it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-rules-'));
    fs.writeFileSync(path.join(dir, 'catalog.json'), JSON.stringify({ facts: [{ key: 'visits', type: 'NUMBER' }] }));
    fs.writeFileSync(
      path.join(dir, 'visits.json'),
      JSON.stringify({ key: 'visits', name: 'Visits', tiers: [{ key: 'V', name: 'V', rank: 1, conditions: { all: [{ fact: 'visits', operator: 'greaterThan', value: 'ten' }] } }] }),
    );
    await expect(loadRuleFiles(app.systemContext(), app.strata.services, dir)).rejects.toThrow(
      /visits\.json: tiers\.0\.conditions\.all\.0\.value: greaterThan on "visits": expected a finite number/,
    );
    const [{ n }] = await app.db.dataSource.query(`SELECT count(*)::int AS n FROM fact_definition WHERE key = 'visits'`);
    expect(n).toBe(0);

    fs.writeFileSync(path.join(dir, 'visits.json'), '{ "key": ');
    await expect(loadRuleFiles(app.systemContext(), app.strata.services, dir)).rejects.toThrow(/visits\.json: not valid JSON/);
  });

  it('prints an admin secret only for the embedded demo, never one given in STRATA_ADMIN_KEY (issue 12, item 3)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bootstrap-'));
    const given = newSecret();
    const configured = loadConfig({ STRATA_ADMIN_KEY: given, STRATA_DATA_DIR: dataDir, SEED_CUSTOMERS: '0' });
    expect(await bootstrap(app.systemContext(), app.strata.services, configured, true)).toEqual({ demoAdminKey: null });
    expect(await bootstrap(app.systemContext(), app.strata.services, configured, false)).toEqual({ demoAdminKey: null });
    expect((await app.gql('{ apiKeys { name } }', {}, given)).errors).toBeUndefined();
    const demo = await bootstrap(app.systemContext(), app.strata.services, loadConfig({ STRATA_DATA_DIR: dataDir, SEED_CUSTOMERS: '0' }), true);
    expect(demo.demoAdminKey).toMatch(/^sk_/);
    expect(fs.readFileSync(path.join(dataDir, 'admin-key'), 'utf8').trim()).toBe(demo.demoAdminKey);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('ends statements past the statement timeout and transactions left idle, but lets bulk re-tiering run as long as it needs', async () => {
    const short = createDataSource({ url: app.db.url, poolSize: 1, statementTimeoutMs: 300 });
    await short.initialize();
    try {
      expect(await short.query(`SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle`)).toEqual([
        { statement: '300ms', idle: '1min' },
      ]);
      await expect(short.query('SELECT pg_sleep(1)')).rejects.toMatchObject({ driverError: { code: '57014' } });
      await app.strata.runner.stop();
      const [published] = await app.systemContext().loaders.programs();
      await withTransaction(app.systemContext(), (tx) => enqueueRetier(tx, published.program.id, published.version.version, TierChangeCause.RULE_PUBLISH));
      let inside: unknown;
      const runner = new RetierRunner({ ...app.strata.deps, dataSource: short }, app.strata.services.retierStage, {
        beforeCommit: async ({ tx }) => {
          inside = await tx.db.query(`SELECT current_setting('statement_timeout') AS statement`);
        },
      });
      expect(await runner.runOne()).toBe(true);
      expect(inside).toEqual([{ statement: '0' }]);
      expect(await short.query(`SELECT current_setting('statement_timeout') AS statement`)).toEqual([{ statement: '300ms' }]);
    } finally {
      await short.destroy();
    }
  });
});
