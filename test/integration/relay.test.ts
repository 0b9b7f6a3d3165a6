import { Role } from '../../src/shared/role';
import { TestApp, startTestApp } from '../helpers/app';

/** Relay's contract: every cached object refetches by its global id; every connection pages both ways. */
describe('Relay object identification and connections', () => {
  let app: TestApp;
  let customerId: string;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false } });
    const inputs = Array.from({ length: 23 }, (_, i) => ({ externalId: `relay-${String(i).padStart(2, '0')}`, name: `R ${i}`, facts: { customerType: 'individual', balance: (i % 4) * 200_000 } }));
    await app.gql(`mutation($inputs: [CustomerUpsertInput!]!) { customersUpsert(inputs: $inputs) { userErrors { message } } }`, { inputs });
    const one = await app.gql(`{ customer(externalId: "relay-00") { id } }`);
    customerId = one.data.customer.id;
    for (const balance of [600_000, 20_000, 200_000, 600_000, 5]) {
      await app.gql(`mutation($id: ID!, $facts: JSONObject!) { customerFactsUpdate(id: $id, facts: $facts) { userErrors { message } } }`, { id: customerId, facts: { balance } });
    }
  });
  afterAll(() => app.close());

  it('fetches every kind of object again by its id, with node and nodes, and answers null for ids it does not know', async () => {
    await app.gql(`mutation($id: ID!) { entitlementGrant(input: { customerId: $id, key: "feeDiscountPct", value: 40, reason: "r" }) { userErrors { message } } }`, { id: customerId });
    await app.gql(`mutation($id: ID!) { tierOverrideSet(input: { customerId: $id, programKey: "retail-bank", tierKey: "B", reason: "r" }) { userErrors { message } } }`, { id: customerId });
    const draft = await app.gql(`mutation { ruleDraftCreate(programKey: "retail-bank") { draft { id } } }`);
    const seen = await app.gql(
      `query($id: ID!, $draft: ID!) {
        customer(id: $id) { id tierHistory(first: 1) { edges { node { id } } } }
        tierProgram(key: "retail-bank") { id publishedVersion { id } tiers { id key } latestRetierJob { id } }
        ruleDraft(id: $draft) { id }
        apiKeys { id }
        auditEvents(first: 1) { edges { node { id } } }
        grants: customerEntitlements(ids: [$id]) { entitlements { grantId } }
        overrides: customer(id: $id) { tier(programKey: "retail-bank") { override { id } } }
      }`,
      { id: customerId, draft: draft.data.ruleDraftCreate.draft.id },
    );
    expect(seen.errors).toBeUndefined();
    const d = seen.data;
    const expected: [string, string][] = [
      ['Customer', d.customer.id],
      ['TierChange', d.customer.tierHistory.edges[0].node.id],
      ['TierProgram', d.tierProgram.id],
      ['RuleSetVersion', d.tierProgram.publishedVersion.id],
      ['Tier', d.tierProgram.tiers[0].id],
      ['RuleDraft', d.ruleDraft.id],
      ['ApiKey', d.apiKeys[0].id],
      ['AuditEvent', d.auditEvents.edges[0].node.id],
      ['EntitlementGrant', d.grants[0].entitlements.find((e: { grantId: string | null }) => e.grantId).grantId],
      ['TierOverride', d.overrides.tier.override.id],
    ];
    if (d.tierProgram.latestRetierJob) expected.push(['RetierJob', d.tierProgram.latestRetierJob.id]);
    expect(new Set(expected.map(([, id]) => id)).size).toBe(expected.length);
    const ids = [...expected.map(([, id]) => id), 'Customer:1', 'TierChange:99999999', '00000000-0000-4000-8000-000000000000', 'nonsense'];
    const res = await app.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, { ids });
    expect(res.errors).toBeUndefined();
    expect(res.data.nodes).toEqual([...expected.map(([type, id]) => ({ __typename: type, id })), null, null, null, null]);
    const tier = await app.gql(`query($id: ID!) { node(id: $id) { id ... on Tier { key entitlements { entitlement { key } value } } } }`, { id: d.tierProgram.tiers[0].id });
    expect(tier.data.node).toMatchObject({ id: d.tierProgram.tiers[0].id, key: d.tierProgram.tiers[0].key });
    expect(tier.data.node.entitlements.length).toBeGreaterThan(0);
  });

  it('gives every key a screen follows as an object beside it', async () => {
    const res = await app.gql(
      `query($id: ID!) {
        customer(id: $id) {
          tierHistory(first: 3) { edges { node { programKey fromTierKey toTierKey program { key } fromTier { key } toTier { key } customer { id } } } }
          tier(programKey: "retail-bank") { override { tierKey program { key } tier { key } customer { id } } explanation { nextTier { tierKey tier { key } } } }
          entitlements { key source programKey tierKey definition { key valueType } program { key } tier { key } }
        }
        tierProgram(key: "retail-bank") { distribution { tierKey tier { key } } }
      }`,
      { id: customerId },
    );
    expect(res.errors).toBeUndefined();
    const { customer, tierProgram } = res.data;
    for (const { node } of customer.tierHistory.edges) {
      expect(node).toMatchObject({ program: { key: node.programKey }, customer: { id: customerId } });
      expect([node.fromTier?.key ?? null, node.toTier?.key ?? null]).toEqual([node.fromTierKey, node.toTierKey]);
    }
    const { override, explanation } = customer.tier;
    expect(override).toMatchObject({ tierKey: 'B', program: { key: 'retail-bank' }, tier: { key: 'B' }, customer: { id: customerId } });
    if (explanation.nextTier) expect(explanation.nextTier.tier.key).toBe(explanation.nextTier.tierKey);
    for (const e of customer.entitlements) {
      expect(e.definition.key).toBe(e.key);
      expect([e.program?.key ?? null, e.tier?.key ?? null]).toEqual(e.source === 'TIER' ? [e.programKey, e.tierKey] : [null, null]);
    }
    expect(tierProgram.distribution.map((c: { tierKey: string | null; tier: { key: string } | null }) => c.tier?.key ?? null)).toEqual(tierProgram.distribution.map((c: { tierKey: string | null }) => c.tierKey));
  });

  it('answers null for an object the key may not read, as for one that does not exist', async () => {
    const viewer = await app.keyWithRoles(Role.VIEWER);
    const seen = await app.gql(`{ apiKeys { id } auditEvents(first: 1) { edges { node { id } } } }`);
    const ids = [seen.data.apiKeys[0].id, seen.data.auditEvents.edges[0].node.id, customerId];
    const res = await app.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }`, { ids }, viewer);
    expect(res.data.nodes).toEqual([null, null, { __typename: 'Customer' }]);
    const many = await app.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: Array.from({ length: 101 }, () => customerId) });
    expect(many.status).toBe(400);
  });

  type Page = { edges: { cursor: string; node: { id: string } }[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null } };

  /** Every item of a connection, walked forward with first/after and backward with last/before. */
  async function walk(read: (args: Record<string, unknown>) => Promise<Page>, size: number) {
    const forward: string[] = [];
    for (let after: string | null = null, pages = 0; ; pages += 1) {
      const page: Page = await read(after ? { first: size, after } : { first: size });
      forward.push(...page.edges.map((e) => e.node.id));
      expect(page.pageInfo.hasPreviousPage).toBe(false);
      expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const backward: string[] = [];
    for (let before: string | null = null; ; ) {
      const page: Page = await read(before ? { last: size, before } : { last: size });
      backward.unshift(...page.edges.map((e) => e.node.id));
      expect(page.pageInfo.hasNextPage).toBe(false);
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor;
    }
    return { forward, backward };
  }

  it('pages every connection both ways to the same items in the same order', async () => {
    const lists: [string, (args: Record<string, unknown>) => Promise<Page>][] = [
      ['customers', async (args) => (await app.gql(`query($first: Int, $after: String, $last: Int, $before: String) { customers(first: $first, after: $after, last: $last, before: $before) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, args)).data.customers],
      [
        'customers in tier D',
        async (args) =>
          (await app.gql(`query($first: Int, $after: String, $last: Int, $before: String) { customers(filter: { programKey: "retail-bank", tierKey: "D" }, first: $first, after: $after, last: $last, before: $before) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, args)).data.customers,
      ],
      ['auditEvents', async (args) => (await app.gql(`query($first: Int, $after: String, $last: Int, $before: String) { auditEvents(first: $first, after: $after, last: $last, before: $before) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, args)).data.auditEvents],
      [
        'tierHistory',
        async (args) =>
          (await app.gql(`query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) { customer(id: $id) { tierHistory(first: $first, after: $after, last: $last, before: $before) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`, { id: customerId, ...args })).data.customer.tierHistory,
      ],
    ];
    for (const [name, read] of lists) {
      const { forward, backward } = await walk(read, 4);
      expect({ name, backward }).toEqual({ name, backward: forward });
      expect({ name, enough: forward.length >= 5, distinct: new Set(forward).size === forward.length }).toEqual({ name, enough: true, distinct: true });
    }
  });

  it("pages a program's versions, newest first, as the deprecated list gives them", async () => {
    const res = await app.gql(`{ tierProgram(key: "retail-bank") { versions { id version } versionsConnection(first: 1) { totalCount edges { node { id version } } pageInfo { hasNextPage endCursor } } } }`);
    expect(res.errors).toBeUndefined();
    const { versions, versionsConnection } = res.data.tierProgram;
    expect(versionsConnection.edges.map((e: { node: unknown }) => e.node)).toEqual(versions.slice(0, 1));
    expect(versionsConnection.totalCount).toBe(versions.length);
    expect(versionsConnection.pageInfo.hasNextPage).toBe(versions.length > 1);
  });

  it('refuses first with last, and a page size outside 1..100, with 400', async () => {
    for (const args of [{ first: 2, last: 2 }, { last: 0 }, { last: 101 }]) {
      const res = await app.gql(`query($first: Int, $last: Int) { customers(first: $first, last: $last) { edges { cursor } } }`, args);
      expect({ args, status: res.status, code: res.errors?.[0].extensions?.code }).toEqual({ args, status: 400, code: 'BAD_USER_INPUT' });
    }
  });
});
