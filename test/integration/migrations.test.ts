import { TierConditions1764921600000 } from '../../src/migrations/1764921600000-tier-conditions';
import { TestDatabase, createTestDatabase } from '../helpers/database';
import { TestApp, startTestApp } from '../helpers/app';

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

  it('gives versions published before it their publisher from the audit log', async () => {
    const before = await app.db.dataSource.query(`SELECT id, published_by FROM rule_set_version ORDER BY id`);
    expect(before.every((v: { published_by: string | null }) => v.published_by === 'test')).toBe(true);
    await app.db.dataSource.undoLastMigration({ transaction: 'all' });
    await app.db.dataSource.runMigrations({ transaction: 'all' });
    expect(await app.db.dataSource.query(`SELECT id, published_by FROM rule_set_version ORDER BY id`)).toEqual(before);
  });
});
