import { TestApp, startTestApp } from '../helpers/app';

const CARD = `
  id externalId name segment facts version
  tier(programKey: "retail-bank") { tier { key } ruleVersion source explanation { matchedTierKey outcomes { tierKey passed conditions } } }
  tiers { program { key } tier { key } }
  entitlements { key value source programKey tierKey grantId }
`;
const UPSERT = `mutation($input: CustomerUpsertInput!) {
  customerUpsert(input: $input) {
    customer { ${CARD} }
    tierChanges { programKey fromTierKey toTierKey cause ruleVersion at }
    userErrors { code field message }
  }
}`;
const FACTS_UPDATE = `mutation($id: ID!, $facts: JSONObject!) {
  customerFactsUpdate(id: $id, facts: $facts) {
    customer { ${CARD} }
    tierChanges { programKey fromTierKey toTierKey cause }
    userErrors { code field message }
  }
}`;
const LIST = `query($filter: CustomerFilter, $first: Int, $after: String) {
  customers(filter: $filter, first: $first, after: $after) {
    totalCount edges { cursor node { id externalId tier(programKey: "retail-bank") { tier { key } } } } pageInfo { hasNextPage endCursor }
  }
}`;

describe('customers over GraphQL', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  const upsert = (input: Record<string, unknown>) => app.gql(UPSERT, { input }).then((r) => r.data.customerUpsert);
  const idsInTier = async (tierKey: string) => {
    const res = await app.gql(LIST, { filter: { programKey: 'retail-bank', tierKey }, first: 100 });
    return res.data.customers.edges.map((e: { node: { id: string } }) => e.node.id);
  };

  it('creates a customer, evaluates its tier in the same response and records a CREATED history row', async () => {
    const payload = await upsert({ externalId: 'c-1', name: 'Wang Wei', segment: 'retail', facts: { customerType: 'individual', balance: 499_999.99 } });
    expect(payload.userErrors).toEqual([]);
    expect(payload.customer.tier).toMatchObject({ tier: { key: 'A_SUB' }, ruleVersion: 1, source: 'RULE', explanation: { matchedTierKey: 'A_SUB' } });
    expect(payload.customer.tiers).toEqual([{ program: { key: 'retail-bank' }, tier: { key: 'A_SUB' } }]);
    expect(payload.tierChanges).toEqual([
      expect.objectContaining({ programKey: 'retail-bank', fromTierKey: null, toTierKey: 'A_SUB', cause: 'CREATED', ruleVersion: 1 }),
    ]);
    expect(payload.customer.entitlements).toContainEqual(
      expect.objectContaining({ key: 'feeDiscountPct', value: 30, source: 'TIER', programKey: 'retail-bank', tierKey: 'A_SUB' }),
    );
  });

  it('moves the customer across a threshold: new tier, history row, entitlements and filtered lists all agree', async () => {
    const { customer } = await upsert({ externalId: 'c-2', name: 'Li Na', facts: { customerType: 'individual', balance: 480_000 } });
    expect(await idsInTier('A_SUB')).toContain(customer.id);
    expect(await idsInTier('A')).not.toContain(customer.id);

    const res = await app.gql(FACTS_UPDATE, { id: customer.id, facts: { balance: 500_000 } });
    const payload = res.data.customerFactsUpdate;
    expect(payload.userErrors).toEqual([]);
    expect(payload.customer.tier.tier.key).toBe('A');
    expect(payload.customer.facts).toEqual({ customerType: 'individual', balance: 500_000 });
    expect(payload.tierChanges).toEqual([{ programKey: 'retail-bank', fromTierKey: 'A_SUB', toTierKey: 'A', cause: 'CUSTOMER_UPDATE' }]);
    const entitlements = Object.fromEntries(payload.customer.entitlements.map((e: { key: string; value: unknown }) => [e.key, e.value]));
    expect(entitlements).toMatchObject({ financialPlan: true, feeDiscountPct: 50, responseHours: 2 });

    expect(await idsInTier('A')).toContain(customer.id);
    expect(await idsInTier('A_SUB')).not.toContain(customer.id);

    const history = await app.gql(
      `query($id: ID!) { customer(id: $id) { tierHistory(programKey: "retail-bank") { totalCount edges { node { fromTierKey toTierKey cause } } } } }`,
      { id: customer.id },
    );
    expect(history.data.customer.tierHistory).toEqual({
      totalCount: 2,
      edges: [
        { node: { fromTierKey: 'A_SUB', toTierKey: 'A', cause: 'CUSTOMER_UPDATE' } },
        { node: { fromTierKey: null, toTierKey: 'A_SUB', cause: 'CREATED' } },
      ],
    });
  });

  it('adds no history row when a write leaves the tier unchanged', async () => {
    const { customer } = await upsert({ externalId: 'c-3', name: 'Zhang Min', facts: { customerType: 'individual', balance: 12_000 } });
    const res = await app.gql(FACTS_UPDATE, { id: customer.id, facts: { balance: 13_000, tenureMonths: 5 } });
    expect(res.data.customerFactsUpdate.tierChanges).toEqual([]);
    expect(res.data.customerFactsUpdate.customer.version).toBe(2);
  });

  it('removes facts given as null and re-evaluates', async () => {
    const { customer } = await upsert({ externalId: 'c-4', name: 'Chen Jing', facts: { customerType: 'individual', balance: 60_000, tenureMonths: 3 } });
    const res = await app.gql(FACTS_UPDATE, { id: customer.id, facts: { balance: null } });
    const payload = res.data.customerFactsUpdate;
    expect(payload.customer.facts).toEqual({ customerType: 'individual', tenureMonths: 3 });
    expect(payload.customer.tier.tier.key).toBe('D');
  });

  it('replaces a customer by externalId instead of creating a duplicate', async () => {
    const first = await upsert({ externalId: 'c-5', name: 'Old name', facts: { customerType: 'individual', balance: 1 } });
    const second = await upsert({ externalId: 'c-5', name: 'New name', facts: { customerType: 'corporate', annualSales: 400_000_000 } });
    expect(second.customer.id).toBe(first.customer.id);
    expect(second.customer.name).toBe('New name');
    expect(second.customer.tiers).toEqual([{ program: { key: 'corporate-banking' }, tier: { key: 'LARGE' } }]);
    expect(second.tierChanges.map((c: { programKey: string; toTierKey: string | null }) => [c.programKey, c.toTierKey])).toEqual(
      expect.arrayContaining([
        ['corporate-banking', 'LARGE'],
        ['retail-bank', null],
      ]),
    );
  });

  describe('bad input is refused with a precise userError and nothing is stored', () => {
    const count = async () => (await app.db.dataSource.query('SELECT count(*)::int AS n FROM customer'))[0].n;

    it.each([
      ['an unknown fact', { balance: 1, assets: 5 }, 'UNKNOWN_FACT', ['input', 'facts', 'assets']],
      ['a wrong type', { balance: '1000' }, 'TYPE_MISMATCH', ['input', 'facts', 'balance']],
      ['a null fact on upsert', { balance: null }, 'TYPE_MISMATCH', ['input', 'facts', 'balance']],
      ['a prototype key', JSON.parse('{"__proto__": {"x": 1}}'), 'UNKNOWN_FACT', ['input', 'facts', '__proto__']],
    ])('%s', async (_name, facts, code, field) => {
      const before = await count();
      const payload = await upsert({ externalId: 'bad-1', name: 'Bad', facts });
      expect(payload.customer).toBeNull();
      expect(payload.userErrors).toEqual([{ code, field, message: expect.stringContaining(field[2]) }]);
      expect(await count()).toBe(before);
    });

    it('an empty externalId', async () => {
      const payload = await upsert({ externalId: '', name: 'Bad', facts: {} });
      expect(payload.userErrors).toEqual([expect.objectContaining({ code: 'INVALID', field: ['input', 'externalId'] })]);
    });

    it('facts update of an unknown customer or with a bad value changes nothing', async () => {
      const missing = await app.gql(FACTS_UPDATE, { id: '00000000-0000-4000-8000-000000000000', facts: { balance: 1 } });
      expect(missing.data.customerFactsUpdate.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['id'] })]);

      const { customer } = await upsert({ externalId: 'c-6', name: 'Sun Lei', facts: { customerType: 'individual', balance: 5 } });
      const res = await app.gql(FACTS_UPDATE, { id: customer.id, facts: { balance: 900_000, tenureMonths: 'long' } });
      expect(res.data.customerFactsUpdate.userErrors).toEqual([expect.objectContaining({ code: 'TYPE_MISMATCH', field: ['facts', 'tenureMonths'] })]);
      const after = await app.gql(`query($id: ID!) { customer(id: $id) { facts version } }`, { id: customer.id });
      expect(after.data.customer).toEqual({ facts: { customerType: 'individual', balance: 5 }, version: 1 });
    });

    it('a body that is not JSON gets a 400 with a JSON error', async () => {
      const res = await fetch(app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${app.adminKey}` },
        body: '{"query": "{ tierPrograms { key } }"',
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        errors: [{ message: 'the request body is not valid JSON', extensions: { code: 'BAD_REQUEST', requestId: res.headers.get('x-request-id') } }],
      });
    });

    it('facts that are not a JSON object are rejected before any resolver runs', async () => {
      const res = await app.gql(UPSERT, { input: { externalId: 'x', name: 'x', facts: [1, 2] } });
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0].message).toMatch(/JSONObject/);
    });
  });

  it('answers every filter combination of customers (issue 12, item 7: a list by program alone failed)', async () => {
    await upsert({ externalId: 'f-1', name: 'F', segment: 'retail', facts: { customerType: 'individual', balance: 600_000 } });
    for (const programKey of [undefined, 'retail-bank']) {
      for (const tierKey of [undefined, 'A']) {
        for (const segment of [undefined, 'retail']) {
          const filter = { programKey, tierKey, segment };
          const res = await app.gql(`query($filter: CustomerFilter) { customers(filter: $filter, first: 100) { totalCount edges { node { segment tier(programKey: "retail-bank") { tier { key } } } } } }`, { filter });
          if (tierKey && !programKey) {
            expect({ filter, code: res.errors?.[0].extensions?.code }).toEqual({ filter, code: 'BAD_USER_INPUT' });
            continue;
          }
          expect({ filter, errors: res.errors }).toEqual({ filter, errors: undefined });
          const nodes = res.data.customers.edges.map((e: any) => e.node);
          expect(nodes.length).toBeGreaterThan(0);
          for (const node of nodes) {
            if (segment) expect(node.segment).toBe(segment);
            if (programKey) expect(node.tier).not.toBeNull();
            if (tierKey) expect(node.tier.tier.key).toBe(tierKey);
          }
        }
      }
    }
  });

  it('answers retries after the delete consistently: NOT_FOUND, never a deleted customer or INTERNAL_SERVER_ERROR (issue 12, item 4)', async () => {
    const write = `mutation($input: CustomerUpsertInput!, $key: String) { customerUpsert(input: $input, idempotencyKey: $key) { customer { id } replayed userErrors { code field message } } }`;
    const input = { externalId: 'c-retry', name: 'Retry', facts: { customerType: 'individual', balance: 5 } };
    const first = await app.gql(write, { input, key: 'retry-upsert' });
    const id = first.data.customerUpsert.customer.id;
    const grant = `mutation($input: EntitlementGrantInput!, $key: String) { entitlementGrant(input: $input, idempotencyKey: $key) { grant { id } replayed userErrors { code field message } } }`;
    const grantInput = { customerId: id, key: 'priorityCounter', value: true, reason: 'goodwill' };
    expect((await app.gql(grant, { input: grantInput, key: 'retry-grant' })).data.entitlementGrant.userErrors).toEqual([]);
    await app.gql(`mutation($id: ID!) { customerDelete(id: $id) { deletedId } }`, { id });
    for (let i = 0; i < 2; i++) {
      const upsertAgain = await app.gql(write, { input, key: 'retry-upsert' });
      expect(upsertAgain.errors).toBeUndefined();
      expect(upsertAgain.data.customerUpsert).toMatchObject({ customer: null, userErrors: [{ code: 'NOT_FOUND' }] });
      const grantAgain = await app.gql(grant, { input: grantInput, key: 'retry-grant' });
      expect(grantAgain.errors).toBeUndefined();
      expect(grantAgain.data.entitlementGrant).toMatchObject({ grant: null, userErrors: [{ code: 'NOT_FOUND', field: ['input', 'customerId'] }] });
    }
  });

  it('deletes a customer with its assignments, keeps its history and audits what it removed', async () => {
    const { customer } = await upsert({ externalId: 'c-7', name: 'Gone', facts: { customerType: 'individual', balance: 5 } });
    const history = async () => (await app.db.dataSource.query('SELECT count(*)::int AS n FROM tier_change WHERE customer_id = $1', [customer.id]))[0].n;
    expect(await history()).toBeGreaterThan(0);
    const res = await app.gql(`mutation($id: ID!) { customerDelete(id: $id) { deletedId userErrors { code } } }`, { id: customer.id });
    expect(res.data.customerDelete).toEqual({ deletedId: customer.id, userErrors: [] });
    expect(await history()).toBeGreaterThan(0);
    const audit = await app.gql(`query($key: String) { auditEvents(filter: { entityType: "CUSTOMER", entityKey: $key }) { edges { node { action before } } } }`, { key: customer.id });
    expect(audit.data.auditEvents.edges).toEqual([
      { node: { action: 'customerDelete', before: expect.objectContaining({ external_id: 'c-7', name: 'Gone', assignments: expect.any(Number), historyKept: expect.any(Number) }) } },
    ]);
    const again = await app.gql(`mutation($id: ID!) { customerDelete(id: $id) { deletedId userErrors { code } } }`, { id: customer.id });
    expect(again.data.customerDelete).toEqual({ deletedId: null, userErrors: [{ code: 'NOT_FOUND' }] });
  });

  it('finds customers by id or externalId and pages with Relay cursors', async () => {
    for (let i = 0; i < 5; i++) await upsert({ externalId: `page-${i}`, name: `P${i}`, segment: 'paging', facts: { customerType: 'individual', balance: 100 } });
    const byExternal = await app.gql(`{ customer(externalId: "page-3") { externalId } }`);
    expect(byExternal.data.customer).toEqual({ externalId: 'page-3' });
    const first = await app.gql(LIST, { filter: { segment: 'paging' }, first: 3 });
    expect(first.data.customers.totalCount).toBe(5);
    expect(first.data.customers.pageInfo.hasNextPage).toBe(true);
    const second = await app.gql(LIST, { filter: { segment: 'paging' }, first: 3, after: first.data.customers.pageInfo.endCursor });
    expect(second.data.customers.pageInfo.hasNextPage).toBe(false);
    const seen = [...first.data.customers.edges, ...second.data.customers.edges].map((e: { node: { externalId: string } }) => e.node.externalId);
    expect(seen.sort()).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  });

  it.each([
    [{ first: 0 }, /between 1 and 100/],
    [{ first: 101 }, /between 1 and 100/],
    [{ after: 'not-a-cursor' }, /not a cursor/],
    [{ filter: { programKey: 'nope' } }, /no tier program/],
    [{ filter: { tierKey: 'A' } }, /needs filter.programKey/],
  ])('refuses list arguments %p with a clear error', async (variables, message) => {
    const res = await app.gql(LIST, variables);
    expect(res.errors?.[0].message).toMatch(message);
    expect(['BAD_USER_INPUT', 'NOT_FOUND']).toContain(res.errors?.[0].extensions?.code);
  });
});
