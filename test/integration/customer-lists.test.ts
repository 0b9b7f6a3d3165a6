import { TestApp, startTestApp } from '../helpers/app';

const LIST = `query($filter: CustomerFilter, $query: String, $orderBy: CustomerOrder, $first: Int, $after: String, $last: Int, $before: String) {
  customers(filter: $filter, query: $query, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
    totalCount edges { cursor node { id externalId name facts } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

type Node = { id: string; externalId: string; name: string; facts: Record<string, unknown> };
const SURNAMES = ['Wang', 'wang', 'Li', 'Zhang', 'Liu', 'Chen', 'Wangari', 'Yang'];

/** The lists people use: search, sort, delta sync and fact ranges, paged both ways. */
describe('customer lists: search, order, updatedSince, fact ranges', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false } });
    const inputs = Array.from({ length: 40 }, (_, i) => ({
      externalId: i % 9 === 0 ? `wang-crm-${i}` : `crm-${String(i).padStart(3, '0')}`,
      name: `${SURNAMES[i % SURNAMES.length]} ${String.fromCharCode(65 + (i % 7))}${i}`,
      facts: i % 5 === 4 ? { customerType: 'individual' } : { customerType: 'individual', balance: ((i * 7919) % 41) * 20_000 },
    }));
    const res = await app.gql(`mutation($inputs: [CustomerUpsertInput!]!) { customersUpsert(inputs: $inputs) { userErrors { message } results { userErrors { message } } } }`, { inputs });
    expect(res.data.customersUpsert.userErrors).toEqual([]);
  });
  afterAll(() => app.close());

  const list = async (variables: Record<string, unknown>) => {
    const res = await app.gql(LIST, variables);
    expect(res.errors).toBeUndefined();
    return res.data.customers as { totalCount: number; edges: { node: Node }[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string } };
  };
  /** Every customer the arguments select, walked forward 3 at a time, and the same walked backward. */
  const walk = async (variables: Record<string, unknown>) => {
    const forward: Node[] = [];
    for (let after: string | undefined; ; ) {
      const page = await list({ ...variables, first: 3, after });
      forward.push(...page.edges.map((e) => e.node));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const backward: Node[] = [];
    for (let before: string | undefined; ; ) {
      const page = await list({ ...variables, last: 3, before });
      backward.unshift(...page.edges.map((e) => e.node));
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor;
    }
    expect(backward.map((n) => n.id)).toEqual(forward.map((n) => n.id));
    return forward;
  };
  const sqlOrder = async (orderBy: string, where = 'true', params: unknown[] = []) =>
    ((await app.db.dataSource.query(`SELECT id FROM customer c WHERE ${where} ORDER BY ${orderBy}`, params)) as { id: string }[]).map((r) => r.id);

  it('finds customers by the start of their name in any case, or of their externalId', async () => {
    const found = await walk({ query: 'wAnG' });
    const expected = await sqlOrder('c.id', `lower(c.name) LIKE 'wang%' OR c.external_id LIKE 'wAnG%'`);
    expect(found.map((n) => n.id)).toEqual(expected);
    expect(found.some((n) => n.name.startsWith('Wangari'))).toBe(true);
    const byExternal = await walk({ query: 'wang-crm' });
    expect(byExternal.map((n) => n.externalId).sort()).toEqual(['wang-crm-0', 'wang-crm-18', 'wang-crm-27', 'wang-crm-36', 'wang-crm-9'].sort());
    expect((await walk({ query: '%' })).length).toBe(0);
  });

  it('orders by name, by a numeric fact and by dates, both ways, ties broken by id', async () => {
    expect((await walk({ orderBy: { field: 'NAME' } })).map((n) => n.id)).toEqual(await sqlOrder('c.name, c.id'));
    expect((await walk({ orderBy: { field: 'NAME', direction: 'DESC' } })).map((n) => n.id)).toEqual(await sqlOrder('c.name DESC, c.id DESC'));
    const byBalance = await walk({ orderBy: { field: 'FACT', fact: 'balance', direction: 'DESC' } });
    expect(byBalance.map((n) => n.id)).toEqual(await sqlOrder(`coalesce((c.facts->>'balance')::float8, '-Infinity') DESC, c.id DESC`));
    expect(byBalance.at(-1)!.facts.balance).toBeUndefined();
    expect((await walk({ orderBy: { field: 'CREATED_AT' } })).map((n) => n.id)).toEqual(await sqlOrder('c.created_at, c.id'));
  });

  it('orders and filters a list by tier too', async () => {
    const filter = { programKey: 'retail-bank', tierKey: 'B' };
    const inTier = await walk({ filter, orderBy: { field: 'NAME' } });
    const expected = await sqlOrder('c.name, c.id', `EXISTS (SELECT 1 FROM tier_assignment a JOIN tier_program p ON p.id = a.program_id WHERE a.customer_id = c.id AND p.key = 'retail-bank' AND a.tier_key = 'B')`);
    expect(inTier.map((n) => n.id)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(3);
  });

  it('gives only customers written since an instant, for delta sync', async () => {
    const [{ now }] = await app.db.dataSource.query('SELECT now() AS now');
    for (const externalId of ['crm-001', 'crm-002', 'crm-003']) {
      await app.gql(`mutation($e: String!) { customerFactsUpdate(externalId: $e, facts: { productsHeld: 2 }) { userErrors { message } } }`, { e: externalId });
    }
    const since = await walk({ filter: { updatedSince: new Date(now).toISOString() }, orderBy: { field: 'UPDATED_AT' } });
    expect(since.map((n) => n.externalId)).toEqual(['crm-001', 'crm-002', 'crm-003']);
  });

  it('keeps customers whose numeric facts lie in every range given', async () => {
    const inRange = await walk({ filter: { facts: [{ fact: 'balance', min: 100_000, max: 400_000 }] } });
    expect(inRange.map((n) => n.id)).toEqual(await sqlOrder('c.id', `(c.facts->>'balance')::float8 BETWEEN 100000 AND 400000`));
    expect(inRange.length).toBeGreaterThan(3);
  });

  it('refuses what it cannot order or search by, and forged cursors, with 400', async () => {
    const refused = [
      { orderBy: { field: 'FACT', fact: 'customerType' } },
      { orderBy: { field: 'FACT' } },
      { query: '' },
      { filter: { facts: [{ fact: 'nosuchfact', min: 1 }] } },
      { filter: { facts: [{ fact: 'balance' }] } },
      { orderBy: { field: 'NAME' }, after: Buffer.from('["x", "not-a-uuid"]').toString('base64url') },
      { orderBy: { field: 'NAME' }, after: Buffer.from('00000000-0000-4000-8000-000000000000').toString('base64url') },
    ];
    for (const variables of refused) {
      const res = await app.gql(LIST, variables);
      expect({ variables, status: res.status, code: res.errors?.[0].extensions?.code }).toEqual({ variables, status: 400, code: 'BAD_USER_INPUT' });
    }
  });
});
