import fc from 'fast-check';
import { TestApp, startTestApp } from '../helpers/app';

const BATCH = `mutation($inputs: [CustomerUpsertInput!]!, $key: String) {
  customersUpsert(inputs: $inputs, idempotencyKey: $key) {
    results {
      externalId
      customer { id externalId version tiers { program { key } tier { key } source } }
      tierChanges { programKey fromTierKey toTierKey rulesTierKey cause }
      userErrors { code field message }
    }
    replayed
    userErrors { code field message }
  }
}`;
const SINGLE = `mutation($input: CustomerUpsertInput!) {
  customerUpsert(input: $input) {
    customer { id tiers { program { key } tier { key } source } }
    tierChanges { programKey fromTierKey toTierKey rulesTierKey cause }
    userErrors { code field message }
  }
}`;

interface Result {
  externalId: string;
  customer: { id: string; externalId: string; version: number; tiers: unknown[] } | null;
  tierChanges: { programKey: string; fromTierKey: string | null; toTierKey: string | null; cause: string }[];
  userErrors: { code: string; field: string[]; message: string }[];
}

const individual = (externalId: string, balance: number, extra: Record<string, unknown> = {}) => ({
  externalId,
  name: `Customer ${externalId}`,
  facts: { customerType: 'individual', balance, ...extra },
});

describe('customersUpsert: many customers per call, each answered on its own', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false } });
  });
  afterAll(() => app.close());

  const batch = async (inputs: unknown[], key?: string) => {
    const res = await app.gql(BATCH, { inputs, key });
    expect(res.errors).toBeUndefined();
    return res.data.customersUpsert as { results: Result[]; replayed: boolean; userErrors: Result['userErrors'] };
  };
  const stored = async (externalIds: string[]) =>
    ((await app.db.dataSource.query('SELECT external_id FROM customer WHERE external_id = ANY($1) ORDER BY 1', [externalIds])) as { external_id: string }[]).map(
      (r) => r.external_id,
    );

  it('writes the good items and refuses each bad one at its own path, answering in input order', async () => {
    const inputs = [
      individual('b-ok-1', 600_000),
      individual('b-bad-fact', 10, { balnce: 5 }),
      { ...individual('b-bad-name', 10), name: '' },
      individual('b-ok-2', 20_000),
      individual('b-ok-1', 1),
    ];
    const { results, userErrors } = await batch(inputs);
    expect(userErrors).toEqual([]);
    expect(results.map((r) => r.externalId)).toEqual(inputs.map((i) => i.externalId));
    expect(results.map((r) => r.userErrors.map((e) => [e.code, e.field.join('.')]))).toEqual([
      [],
      [['UNKNOWN_FACT', 'inputs.1.facts.balnce']],
      [['INVALID', 'inputs.2.name']],
      [],
      [['INVALID', 'inputs.4.externalId']],
    ]);
    expect(results[4].userErrors[0].message).toContain('inputs[0]');
    expect(results.map((r) => r.customer !== null)).toEqual([true, false, false, true, false]);
    expect(await stored(inputs.map((i) => i.externalId))).toEqual(['b-ok-1', 'b-ok-2']);
    expect(results[0].tierChanges.find((c) => c.programKey === 'retail-bank')).toMatchObject({ fromTierKey: null, cause: 'CREATED' });
  });

  it('refuses a stale expectedVersion for that item alone and replaces the current ones', async () => {
    const [first] = (await batch([individual('b-v-1', 100), individual('b-v-2', 100)])).results;
    expect(first.customer!.version).toBe(1);
    const { results } = await batch([
      { ...individual('b-v-1', 700_000), expectedVersion: 1 },
      { ...individual('b-v-2', 700_000), expectedVersion: 7 },
      { ...individual('b-v-new', 700_000), expectedVersion: 1 },
    ]);
    expect(results.map((r) => r.userErrors.map((e) => [e.code, e.field.join('.')]))).toEqual([
      [],
      [['CONFLICT', 'inputs.1.expectedVersion']],
      [['CONFLICT', 'inputs.2.expectedVersion']],
    ]);
    expect(results[1].userErrors[0].message).toContain('is at version 1, not 7');
    expect(results[2].userErrors[0].message).toContain('does not exist');
    expect(results[0].customer!.version).toBe(2);
    const versions = await app.db.dataSource.query(`SELECT external_id, version, facts->>'balance' AS balance FROM customer WHERE external_id LIKE 'b-v-%' ORDER BY 1`);
    expect(versions).toEqual([
      { external_id: 'b-v-1', version: 2, balance: '700000' },
      { external_id: 'b-v-2', version: 1, balance: '100' },
    ]);
  });

  it('refuses an empty call and one over 500 customers whole, writing nothing', async () => {
    const many = Array.from({ length: 501 }, (_, i) => individual(`b-many-${i}`, i));
    for (const inputs of [[], many]) {
      const res = await app.gql(`mutation($inputs: [CustomerUpsertInput!]!) { customersUpsert(inputs: $inputs) { results { externalId } userErrors { code field } } }`, { inputs });
      expect(res.data.customersUpsert).toEqual({ results: [], userErrors: [{ code: 'INVALID', field: ['inputs'] }] });
    }
    expect(await stored(many.map((i) => i.externalId))).toEqual([]);
  });

  it('writes 500 customers in one call, priced one point per customer and what each result selects', async () => {
    const inputs = Array.from({ length: 500 }, (_, i) => individual(`b-full-${i}`, i * 1_000));
    const res = await app.gql(`mutation($inputs: [CustomerUpsertInput!]!) { customersUpsert(inputs: $inputs) { results { userErrors { code field message } } } }`, { inputs });
    expect(res.errors).toBeUndefined();
    expect(res.data.customersUpsert.results.filter((r: Result) => r.userErrors.length)).toEqual([]);
    expect(res.extensions?.cost?.requestedQueryCost).toBe(1 + 500 * 2);
    expect((await stored(inputs.map((i) => i.externalId))).length).toBe(500);
  });

  it('answers a retry with the same idempotencyKey from the first call, writing nothing again', async () => {
    const inputs = [individual('b-idem-1', 600_000), individual('b-idem-bad', 1, { nope: 1 })];
    const first = await batch(inputs, 'batch-idem-1');
    const historyRows = async () => Number((await app.db.dataSource.query(`SELECT count(*) FROM tier_change`))[0].count);
    const rowsBefore = await historyRows();
    const again = await batch(inputs, 'batch-idem-1');
    expect(again.replayed).toBe(true);
    expect(again.results).toEqual(first.results);
    expect(await historyRows()).toBe(rowsBefore);
    const other = await batch([individual('b-idem-1', 5)], 'batch-idem-1');
    expect(other.userErrors.map((e) => [e.code, e.field.join('.')])).toEqual([['CONFLICT', 'idempotencyKey']]);
  });

  it('writes two concurrent calls that share customers in opposite orders without a deadlock', async () => {
    const LEAN = `mutation($inputs: [CustomerUpsertInput!]!) { customersUpsert(inputs: $inputs) { results { userErrors { code } } userErrors { code } } }`;
    for (let round = 0; round < 5; round += 1) {
      const shared = Array.from({ length: 200 }, (_, i) => individual(`b-race-${i}`, (round * 7 + i) * 1_000));
      const versioned = shared.map((input, i) => (i % 2 ? input : { ...input, expectedVersion: round + 1 }));
      const answers = await Promise.all([app.gql(LEAN, { inputs: round ? versioned : shared }), app.gql(LEAN, { inputs: [...shared].reverse() })]);
      for (const res of answers) {
        expect(res.errors).toBeUndefined();
        expect(res.data.customersUpsert.userErrors).toEqual([]);
      }
    }
  });

  it('gives every customer the tiers and history customerUpsert gives it (generated customers)', async () => {
    const facts = fc.record(
      {
        customerType: fc.constantFrom('individual', 'corporate', 'telecom_group'),
        balance: fc.integer({ min: 0, max: 3_000_000 }),
        annualSales: fc.integer({ min: 0, max: 600_000_000 }),
        dailyAvgDeposit: fc.integer({ min: 0, max: 50_000_000 }),
        hasLoans: fc.boolean(),
        strategicAccount: fc.boolean(),
        valueScore: fc.integer({ min: 0, max: 100 }),
        industry: fc.constantFrom('government', 'finance', 'retail'),
      },
      { requiredKeys: ['customerType'] },
    );
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(facts, facts), { minLength: 1, maxLength: 40 }), async (customers) => {
        round += 1;
        const inputs = (prefix: string, at: 0 | 1) => customers.map((pair, i) => ({ externalId: `${prefix}-${round}-${i}`, name: 'N', facts: pair[at] }));
        const singly = async (items: ReturnType<typeof inputs>) => {
          const out = [];
          for (const input of items) out.push((await app.gql(SINGLE, { input })).data.customerUpsert);
          return out;
        };
        // A first write, then a second that moves tiers: both creation and change are compared.
        const viaSingle = [...(await singly(inputs('s', 0))), ...(await singly(inputs('s', 1)))];
        const viaBatch = [...(await batch(inputs('m', 0))).results, ...(await batch(inputs('m', 1))).results];
        const shape = (r: { customer: { tiers: unknown[] } | null; tierChanges: Result["tierChanges"]; userErrors: unknown[] }) => ({
          tiers: r.customer?.tiers,
          tierChanges: r.tierChanges.map(({ programKey, fromTierKey, toTierKey, cause }) => ({ programKey, fromTierKey, toTierKey, cause })),
          userErrors: r.userErrors,
        });
        expect(viaBatch.map(shape)).toEqual(viaSingle.map(shape));
      }),
      { numRuns: 8 },
    );
  });
});
