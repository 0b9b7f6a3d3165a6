import { Role } from '../../src/shared/role';
import { TestApp, startTestApp } from '../helpers/app';

const CARD = `id tier(programKey: "retail-bank") { source tier { key } override { reason expiresAt createdBy }
  explanation { matchedTierKey nextTier { tierKey onlyNumeric requirements { fact gap message } } } }
  entitlements { key value source tierKey }`;

describe('tier overrides and what it would take', () => {
  let app: TestApp;
  let customerId: string;
  let integrator: string;

  beforeAll(async () => {
    app = await startTestApp();
    integrator = await app.keyWithRoles(Role.INTEGRATOR);
    const res = await app.gql(`mutation { customerUpsert(input: { externalId: "dispute-1", name: "Ms Dispute", facts: { customerType: "individual", balance: 462500 } }) { customer { id } } }`);
    customerId = res.data.customerUpsert.customer.id;
  });
  afterAll(() => app.close());

  const card = async () => (await app.gql(`query($id: ID!) { customer(id: $id) { ${CARD} } }`, { id: customerId })).data.customer;
  const listed = async (tierKey: string) =>
    (await app.gql(`{ customers(first: 100, filter: { programKey: "retail-bank", tierKey: "${tierKey}" }) { edges { node { id } } } }`)).data.customers.edges.map((e: any) => e.node.id);

  it('tells a customer what the next tier up would take', async () => {
    const { tier } = await card();
    expect(tier.tier.key).toBe('A_SUB');
    expect(tier.explanation.nextTier).toEqual({
      tierKey: 'A',
      onlyNumeric: true,
      requirements: [{ fact: 'balance', gap: 37_500, message: 'balance needs +37,500 (at least 500,000; now 462,500)' }],
    });
  });

  it('pins a tier with a reason, keeps the rules’ verdict in the explanation, and stops counting the moment it expires', async () => {
    const setOverride = `mutation($input: TierOverrideSetInput!) { tierOverrideSet(input: $input) { override { id tierKey } tierChanges { fromTierKey toTierKey cause } userErrors { code field message } } }`;
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const refused = await app.gql(setOverride, { input: { customerId, programKey: 'retail-bank', tierKey: 'Z', reason: 'x', expiresAt: future } }, integrator);
    expect(refused.data.tierOverrideSet.userErrors).toEqual([{ code: 'NOT_FOUND', field: ['input', 'tierKey'], message: 'program "retail-bank" has no tier "Z"' }]);
    const past = await app.gql(setOverride, { input: { customerId, programKey: 'retail-bank', tierKey: 'A', reason: 'x', expiresAt: '2020-01-01T00:00:00Z' } }, integrator);
    expect(past.data.tierOverrideSet.userErrors[0]).toMatchObject({ code: 'INVALID', field: ['input', 'expiresAt'] });
    const viewer = await app.keyWithRoles(Role.VIEWER);
    expect((await app.gql(setOverride, { input: { customerId, programKey: 'retail-bank', tierKey: 'A', reason: 'x' } }, viewer)).errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const set = await app.gql(setOverride, { input: { customerId, programKey: 'retail-bank', tierKey: 'A', reason: 'complaint 2026-118 settled', expiresAt: future } }, integrator);
    expect(set.data.tierOverrideSet.userErrors).toEqual([]);
    expect(set.data.tierOverrideSet.tierChanges).toEqual([{ fromTierKey: 'A_SUB', toTierKey: 'A', cause: 'OVERRIDE' }]);

    const pinned = await card();
    expect(pinned.tier).toMatchObject({ source: 'OVERRIDE', tier: { key: 'A' }, override: { reason: 'complaint 2026-118 settled' }, explanation: { matchedTierKey: 'A_SUB' } });
    expect(pinned.entitlements).toContainEqual({ key: 'feeDiscountPct', value: 50, source: 'TIER', tierKey: 'A' });
    expect(await listed('A')).toContain(customerId);
    expect(await listed('A_SUB')).not.toContain(customerId);

    // Time passes: the override expires without anyone touching it.
    await app.db.dataSource.query(`UPDATE tier_override SET expires_at = now() - interval '1 second'`);
    const expired = await card();
    expect(expired.tier).toMatchObject({ source: 'RULE', tier: { key: 'A_SUB' }, override: null });
    expect(expired.entitlements).toContainEqual({ key: 'feeDiscountPct', value: 30, source: 'TIER', tierKey: 'A_SUB' });
    expect(await listed('A_SUB')).toContain(customerId);
    expect(await listed('A')).not.toContain(customerId);

    // The scheduler records what the expiry did: a history row at the expiry instant, audited.
    const [{ expires_at: expiredAt }] = await app.db.dataSource.query(`SELECT expires_at FROM tier_override WHERE customer_id = $1`, [customerId]);
    expect(await app.strata.scheduler.tick()).toEqual(['override-expiry', 'tier-review', 'grant-expiry', 'event-prune']);
    const history = await app.gql(`query($id: ID!) { customer(id: $id) { tierHistory(programKey: "retail-bank", first: 1) { edges { node { fromTierKey toTierKey rulesTierKey cause at } } } } }`, {
      id: customerId,
    });
    expect(history.data.customer.tierHistory.edges[0].node).toEqual({ fromTierKey: 'A', toTierKey: 'A_SUB', rulesTierKey: 'A_SUB', cause: 'OVERRIDE_EXPIRED', at: expiredAt.toISOString() });
    const audit = await app.gql(`{ auditEvents(filter: { action: tierOverrideExpire }) { edges { node { actorName entityKey } } } }`);
    expect(audit.data.auditEvents.edges).toEqual([{ node: { actorName: 'scheduler:override-expiry', entityKey: set.data.tierOverrideSet.override.id } }]);
    // Recorded once: the next run finds nothing due.
    await app.db.dataSource.query(`UPDATE scheduled_task SET due_at = now() - interval '1 second'`);
    await app.strata.scheduler.tick();
    expect((await app.db.dataSource.query(`SELECT count(*)::int AS n FROM tier_change WHERE cause = 'OVERRIDE_EXPIRED'`))[0].n).toBe(1);
  });

  it('revokes an override, records the change and audits both steps', async () => {
    const set = await app.gql(
      `mutation($input: TierOverrideSetInput!) { tierOverrideSet(input: $input) { override { id } userErrors { message } } }`,
      { input: { customerId, programKey: 'retail-bank', tierKey: 'B', reason: 'retention offer' } },
      integrator,
    );
    const id = set.data.tierOverrideSet.override.id;
    expect((await card()).tier.tier.key).toBe('B');
    const revoked = await app.gql(`mutation($id: ID!) { tierOverrideRevoke(id: $id) { tierChanges { fromTierKey toTierKey cause } userErrors { message } } }`, { id }, integrator);
    expect(revoked.data.tierOverrideRevoke.tierChanges).toEqual([{ fromTierKey: 'B', toTierKey: 'A_SUB', cause: 'OVERRIDE' }]);
    const again = await app.gql(`mutation($id: ID!) { tierOverrideRevoke(id: $id) { userErrors { code } } }`, { id }, integrator);
    expect(again.data.tierOverrideRevoke.userErrors).toEqual([{ code: 'CONFLICT' }]);
    const audit = await app.gql(`{ auditEvents(filter: { entityType: "OVERRIDE" }) { edges { node { action actorName } } } }`);
    expect(audit.data.auditEvents.edges.map((e: any) => e.node.action)).toEqual(['tierOverrideRevoke', 'tierOverrideSet', 'tierOverrideExpire', 'tierOverrideSet']);
    const history = await app.gql(`query($id: ID!) { customer(id: $id) { tierHistory(programKey: "retail-bank") { edges { node { fromTierKey toTierKey cause } } } } }`, { id: customerId });
    expect(history.data.customer.tierHistory.edges.map((e: any) => e.node.cause)).toEqual(['OVERRIDE', 'OVERRIDE', 'OVERRIDE_EXPIRED', 'OVERRIDE', 'CREATED']);
  });
});
