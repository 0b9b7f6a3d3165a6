import { TierConditions1764921600000 } from '../../src/migrations/1764921600000-tier-conditions';
import { FactsHistory1765267200000 } from '../../src/migrations/1765267200000-facts-history';
import { TestDatabase, createTestDatabase } from '../helpers/database';
import { TestApp, startTestApp, tierHistory, upsertRetailCustomer } from '../helpers/app';

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('leave the schema exactly as the entities describe it', async () => {
    const { upQueries } = await db.dataSource.driver.createSchemaBuilder().log();
    expect(upQueries.map((q) => q.query)).toEqual([]);
  });
});

describe('data migrations over real rows', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false } });
  });
  afterAll(() => app.close());

  const stored = async () => ({
    tiers: await app.db.dataSource.query(`SELECT id, to_jsonb(t) - 'id' - 'rule_set_version_id' AS row FROM tier t ORDER BY id`),
    versions: await app.db.dataSource.query(`SELECT id, document FROM rule_set_version ORDER BY id`),
    drafts: await app.db.dataSource.query(`SELECT id, document FROM rule_draft ORDER BY id`),
  });

  it('rewrites stored tiers, versions and drafts from rule: { conditions } to bare conditions, and back', async () => {
    const opened = await app.gql(`mutation { ruleDraftCreate(programKey: "corporate-banking") { draft { id } userErrors { message } } }`);
    expect(opened.data.ruleDraftCreate.userErrors).toEqual([]);
    const current = await stored();
    expect(current.drafts).toHaveLength(1);

    const migration = new TierConditions1764921600000();
    const runner = app.db.dataSource.createQueryRunner();
    await migration.down(runner);
    const older = await stored();
    const [tier] = await app.db.dataSource.query(`SELECT rule FROM tier WHERE id = $1`, [current.tiers[0].id]);
    expect(tier.rule).toEqual({ conditions: current.tiers[0].row.conditions });
    for (const [i, version] of older.versions.entries()) {
      expect(version.document.tiers).toEqual(current.versions[i].document.tiers.map(({ conditions, ...t }: { conditions: unknown }) => ({ ...t, rule: { conditions } })));
    }
    expect(older.drafts[0].document.tiers[0]).toEqual(expect.objectContaining({ rule: { conditions: current.drafts[0].document.tiers[0].conditions } }));
    expect(older.drafts[0].document.tiers[0]).not.toHaveProperty('conditions');

    await migration.up(runner);
    await runner.release();
    expect(await stored()).toEqual(current);
  });

  it('moves the facts history rows kept into the facts history, and back, with every row answering the same facts', async () => {
    const id = await upsertRetailCustomer(app, 'migrated-facts', 600_000);
    await upsertRetailCustomer(app, 'migrated-facts', 60_000);
    const history = await tierHistory(app, id, 'retail-bank');
    expect(history.map((r) => [r.to, r.balance])).toEqual([
      ['A', 600_000],
      ['B', 60_000],
    ]);
    const migration = new FactsHistory1765267200000();
    const runner = app.db.dataSource.createQueryRunner();
    try {
      await migration.down(runner);
      const kept = await app.db.dataSource.query(`SELECT (facts->>'balance')::int AS balance FROM tier_change WHERE customer_id = $1 ORDER BY id`, [id]);
      expect(kept).toEqual([{ balance: 600_000 }, { balance: 60_000 }]);
      await migration.up(runner);
    } finally {
      await runner.release();
    }
    expect(await tierHistory(app, id, 'retail-bank')).toEqual(history);
  });

  it('gives versions published before it their publisher from the audit log', async () => {
    const before = await app.db.dataSource.query(`SELECT id, published_by FROM rule_set_version ORDER BY id`);
    expect(before.every((v: { published_by: string | null }) => v.published_by === 'test')).toBe(true);
    await app.db.dataSource.undoLastMigration({ transaction: 'all' });
    await app.db.dataSource.runMigrations({ transaction: 'all' });
    expect(await app.db.dataSource.query(`SELECT id, published_by FROM rule_set_version ORDER BY id`)).toEqual(before);
  });
});
