import { RetierRunner } from '../../src/retier/retier-runner';
import { Context, onManager } from '../../src/context';
import { TierChangeCause } from '../../src/evaluation/tier-change.entity';
import { PublishedProgram } from '../../src/programs/program-registry';
import { ProgramDocument } from '../../src/programs/rule-set-version.entity';
import { withTransaction } from '../../src/shared/transaction';
import { TestApp, startTestApp } from '../helpers/app';

const PROGRAM = 'retail-bank';

/**
 * The set-based re-tier after a publish: changes are staged in one statement and written in
 * chunks. These tests drive the two steps themselves to put concurrent writes between them.
 */
describe('re-tiering after a publish', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false } });
    const balances = [500, 5_000, 10_000, 10_500, 10_999, 11_000, 40_000, 60_000, 250_000, 600_000];
    for (const [i, balance] of balances.entries()) {
      await upsert(`c-${i}`, { customerType: 'individual', balance, tenureMonths: i * 3 });
    }
    await upsert('corp', { customerType: 'corporate', annualSales: 5_000_000 });
    // Written around the API's validation, as a legacy import might: SQL leaves hex strings to Node.
    await app.db.dataSource.query(
      `INSERT INTO customer (external_id, name, facts) VALUES ('hex', 'Hex', '{"customerType": "individual", "balance": "0x2904", "tenureMonths": 50}')`,
    );
  });
  afterAll(() => app.close());

  async function upsert(externalId: string, facts: Record<string, unknown>): Promise<string> {
    const res = await app.gql(`mutation($input: CustomerUpsertInput!) { customerUpsert(input: $input) { customer { id } userErrors { message } } }`, {
      input: { externalId, name: externalId, facts },
    });
    expect(res.data.customerUpsert.userErrors).toEqual([]);
    return res.data.customerUpsert.customer.id;
  }

  async function published(): Promise<PublishedProgram> {
    return (await app.strata.services.programs.published(app.systemContext(), PROGRAM))!;
  }

  /** Publishes `edit` of the rules in force and returns the new version. */
  async function publish(edit: (doc: ProgramDocument) => void): Promise<PublishedProgram> {
    const document = structuredClone((await published()).version.document);
    edit(document);
    await withTransaction(app.systemContext(), async (tx) => {
      await app.strata.services.publisher.publish(tx, (await published()).program, document, 'ruleFilePublish', { file: 'retier.test' });
    });
    return published();
  }

  const threshold = (tierKey: string, value: number) => (doc: ProgramDocument) => {
    doc.tiers.find((t) => t.key === tierKey)!.conditions = { all: [{ fact: 'balance', operator: 'greaterThanInclusive', value }] };
  };

  /** Stored tiers by externalId (absent: no assignment), and the live tiers customers show. */
  async function storedAndShown(): Promise<{ stored: Record<string, string | null>; shown: Record<string, string | null> }> {
    const rows: { external_id: string; tier_key: string | null }[] = await app.db.dataSource.query(
      `SELECT c.external_id, a.tier_key FROM tier_assignment a JOIN customer c ON c.id = a.customer_id
         JOIN tier_program p ON p.id = a.program_id WHERE p.key = $1`,
      [PROGRAM],
    );
    const res = await app.gql(`{ customers(first: 100) { edges { node { externalId tier(programKey: "${PROGRAM}") { tier { key } } } } } }`);
    const shown: Record<string, string | null> = {};
    for (const { node } of res.data.customers.edges) if (node.tier) shown[node.externalId] = node.tier.tier?.key ?? null;
    return { stored: Object.fromEntries(rows.map((r) => [r.external_id, r.tier_key])), shown };
  }

  async function history(externalId: string): Promise<{ from_tier_key: string | null; to_tier_key: string | null; cause: string; rule_version: number }[]> {
    return app.db.dataSource.query(
      `SELECT h.from_tier_key, h.to_tier_key, h.cause, h.rule_version FROM tier_change h JOIN customer c ON c.id = h.customer_id
        WHERE c.external_id = $1 AND h.program_key = $2 ORDER BY h.id`,
      [externalId, PROGRAM],
    );
  }

  /** A context on a connection of its own, as a runner keeps one for its staged changes. */
  async function session<T>(work: (ctx: Context) => Promise<T>): Promise<T> {
    const connection = app.db.dataSource.createQueryRunner();
    await connection.connect();
    try {
      return await work(onManager(app.systemContext(), connection.manager));
    } finally {
      await connection.query('DROP TABLE IF EXISTS pg_temp.retier_stage');
      await connection.release();
    }
  }

  const applyAll = async (ctx: Context, version: PublishedProgram) => {
    let after: string | null = null;
    let changes = 0;
    for (;;) {
      const chunk = await withTransaction(ctx, (tx) => app.strata.services.retierStage.applyChunk(tx, version, after, 3, TierChangeCause.RULE_PUBLISH));
      if (chunk.staged === 0) return changes;
      changes += chunk.changes;
      after = chunk.lastId;
    }
  };

  it('skips a customer written after staging: that write already used the new rules', async () => {
    const v2 = await publish(threshold('C', 11_000));
    await session((ctx) => app.strata.services.retierStage.withStage(ctx, v2, async ({ staged }) => {
      // C → D: 10,000, 10,500, 10,999; hex 0x2904 (10,500) is staged too, for Node to classify.
      expect(staged).toBe(4);
      // 10,500 → 12,000 keeps C under the new rules too, so the write leaves the stored tier
      // as staged: only the customer's version tells the job its staged D is stale.
      const id = (await app.gql(`{ customer(externalId: "c-3") { id } }`)).data.customer.id;
      const write = await app.gql(`mutation($id: ID!) { customerFactsUpdate(id: $id, facts: { balance: 12000 }) { tierChanges { toTierKey } } }`, { id });
      expect(write.data.customerFactsUpdate.tierChanges).toEqual([]);
      expect(await applyAll(ctx, v2)).toBe(3);
    }));
    const { stored, shown } = await storedAndShown();
    expect(stored).toEqual(shown);
    expect(stored).toMatchObject({ 'c-2': 'D', 'c-3': 'C', 'c-4': 'D', 'c-5': 'C', hex: 'D' });
    expect(await history('c-3')).toEqual([{ from_tier_key: null, to_tier_key: 'C', cause: 'CREATED', rule_version: 1 }]);
    // Inserted around the API, the hex customer had no assignment: the job gives it its first.
    expect(await history('hex')).toEqual([{ from_tier_key: null, to_tier_key: 'D', cause: 'RULE_PUBLISH', rule_version: 2 }]);
  });

  it('writes each change once when two workers apply the same staged changes', async () => {
    const v3 = await publish(threshold('B', 30_000));
    const changes = await session((a) =>
      session((b) =>
        app.strata.services.retierStage.withStage(a, v3, () =>
          app.strata.services.retierStage.withStage(b, v3, async () => [await applyAll(a, v3), await applyAll(b, v3)]),
        ),
      ),
    );
    // 40,000 moves from C to B; the second worker finds it written and writes nothing.
    expect(changes).toEqual([1, 0]);
    expect((await history('c-6')).filter((h) => h.rule_version === 3)).toEqual([{ from_tier_key: 'C', to_tier_key: 'B', cause: 'RULE_PUBLISH', rule_version: 3 }]);
    const { stored, shown } = await storedAndShown();
    expect(stored).toEqual(shown);
  });

  it('removes the assignments of customers a new appliesTo leaves out, through a job', async () => {
    await publish((doc) => {
      doc.appliesTo = { all: [{ fact: 'customerType', operator: 'equal', value: 'individual' }, { fact: 'tenureMonths', operator: 'greaterThanInclusive', value: 12 }] };
    });
    await new RetierRunner(app.strata.deps, app.strata.services.retierStage, { chunkSize: 2 }).drain();
    const { stored, shown } = await storedAndShown();
    expect(stored).toEqual(shown);
    for (const left of ['c-0', 'c-1', 'c-2', 'c-3']) expect(stored).not.toHaveProperty(left);
    expect(await history('c-1')).toEqual([
      { from_tier_key: null, to_tier_key: 'D', cause: 'CREATED', rule_version: 1 },
      { from_tier_key: 'D', to_tier_key: null, cause: 'RULE_PUBLISH', rule_version: 4 },
    ]);
    const [job] = await app.db.dataSource.query(`SELECT status, processed, changed FROM retier_job ORDER BY created_at DESC LIMIT 1`);
    expect(job).toEqual({ status: 'DONE', processed: 12, changed: 4 });
  });

  it('waits for a write in flight on a staged customer, then leaves the customer to that write', async () => {
    // B from 30,000 to 65,000: 40,000 and 60,000 fall to C.
    const v5 = await publish(threshold('B', 65_000));
    const id = (await app.gql(`{ customer(externalId: "c-7") { id } }`)).data.customer.id;
    let written!: () => void;
    let release!: () => void;
    const holding = new Promise<void>((resolve) => (written = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    await session((ctx) =>
      app.strata.services.retierStage.withStage(ctx, v5, async ({ staged }) => {
        expect(staged).toBe(3);
        // The write moves 60,000 to 70,000 (B under the new rules too) and holds its locks until released.
        const write = withTransaction(app.systemContext(), async (tx) => {
          const result = await app.strata.services.customers.updateFacts(tx, { id }, { balance: 70_000 });
          written();
          await released;
          return result;
        });
        await holding;
        const applying = applyAll(ctx, v5);
        const waiting = async () =>
          (await app.db.dataSource.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`))[0].n;
        for (let tries = 0; (await waiting()) === 0; tries += 1) {
          expect(tries).toBeLessThan(100);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        release();
        expect((await write).tierChanges).toEqual([]);
        expect(await applying).toBe(1);
      }),
    );
    const { stored, shown } = await storedAndShown();
    expect(stored).toEqual(shown);
    expect(stored).toMatchObject({ 'c-6': 'C', 'c-7': 'B' });
    expect((await history('c-7')).filter((h) => h.rule_version === 5)).toEqual([]);
    expect((await history('c-6')).filter((h) => h.rule_version === 5)).toEqual([{ from_tier_key: 'B', to_tier_key: 'C', cause: 'RULE_PUBLISH', rule_version: 5 }]);
  });

  it('evaluates a write under a publish that committed after the write first read the programs', async () => {
    const id = (await app.gql(`{ customer(externalId: "c-8") { id } }`)).data.customer.id;
    const tierChanges = await withTransaction(app.systemContext(), async (tx) => {
      // As settling time reads them, before the write reaches the customer row.
      await tx.loaders.programs();
      // A_SUB from 200,000 to 300,000, published and committed meanwhile.
      await publish(threshold('A_SUB', 300_000));
      return (await app.strata.services.customers.updateFacts(tx, { id }, { balance: 260_000 })).tierChanges;
    });
    expect(tierChanges.map((c) => [c.fromTierKey, c.toTierKey, c.cause, c.ruleVersion])).toEqual([['A_SUB', 'B', 'CUSTOMER_UPDATE', 6]]);
  });

  it('finds nothing to write when re-staged after everything was applied', async () => {
    const current = await published();
    await session((ctx) =>
      app.strata.services.retierStage.withStage(ctx, current, async (staged) => {
        expect(staged).toEqual({ customers: 12, staged: 1 });
        // The one staged row is the hex customer, which SQL leaves to Node every time; Node finds it current.
        expect(await applyAll(ctx, current)).toBe(0);
      }),
    );
  });
});
