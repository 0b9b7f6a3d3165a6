import { TestApp, startTestApp } from '../helpers/app';

const GRANT = `mutation($input: EntitlementGrantInput!) {
  entitlementGrant(input: $input) { grant { id customerId key value expiresAt reason grantedBy revokedAt } userErrors { code field message } }
}`;
const BATCH = `query($ids: [ID!], $externalIds: [String!]) {
  customerEntitlements(ids: $ids, externalIds: $externalIds) { customerId externalId found entitlements { key value source programKey tierKey grantId expiresAt } }
}`;

describe('entitlements over GraphQL', () => {
  let app: TestApp;
  let customerId: string;
  const byKey = async (externalId: string) => {
    const res = await app.gql(BATCH, { externalIds: [externalId] });
    return Object.fromEntries(res.data.customerEntitlements[0].entitlements.map((e: { key: string }) => [e.key, e]));
  };

  beforeAll(async () => {
    app = await startTestApp();
    const res = await app.gql(`mutation { customerUpsert(input: { externalId: "e-1", name: "Liu Yan", facts: { customerType: "individual", balance: 60000 } }) { customer { id } } }`);
    customerId = res.data.customerUpsert.customer.id;
  });
  afterAll(() => app.close());

  it('gives the tier values of the program the customer is in', async () => {
    const entitlements = await byKey('e-1');
    expect(entitlements.feeDiscountPct).toMatchObject({ value: 20, source: 'TIER', programKey: 'retail-bank', tierKey: 'B', grantId: null });
    expect(entitlements.responseHours).toMatchObject({ value: 8 });
    expect(entitlements.dedicatedManager).toBeUndefined();
  });

  it('lets a more generous grant win, carrying the grant as the source', async () => {
    const manager = await app.gql(GRANT, { input: { customerId, key: 'dedicatedManager', value: true, reason: 'complaint recovery' } });
    expect(manager.data.entitlementGrant.userErrors).toEqual([]);
    expect(manager.data.entitlementGrant.grant).toMatchObject({ key: 'dedicatedManager', value: true, grantedBy: expect.stringContaining('bootstrap') });
    await app.gql(GRANT, { input: { customerId, key: 'responseHours', value: 12, reason: 'slower than the tier gives' } });
    const faster = await app.gql(GRANT, { input: { customerId, key: 'responseHours', value: 1, reason: 'VIP week', expiresAt: new Date(Date.now() + 86_400_000).toISOString() } });

    const entitlements = await byKey('e-1');
    expect(entitlements.dedicatedManager).toMatchObject({ value: true, source: 'GRANT', grantId: manager.data.entitlementGrant.grant.id });
    expect(entitlements.responseHours).toMatchObject({ value: 1, source: 'GRANT', grantId: faster.data.entitlementGrant.grant.id, expiresAt: expect.any(String) });
    expect(entitlements.feeDiscountPct).toMatchObject({ value: 20, source: 'TIER' });
  });

  it('never counts an expired or revoked grant', async () => {
    const grant = await app.gql(GRANT, { input: { customerId, key: 'feeDiscountPct', value: 90, reason: 'promo' } });
    await app.db.dataSource.query(`UPDATE entitlement_grant SET expires_at = now() - interval '1 second' WHERE id = $1`, [grant.data.entitlementGrant.grant.id]);
    expect((await byKey('e-1')).feeDiscountPct).toMatchObject({ value: 20, source: 'TIER' });

    const wealth = await app.gql(GRANT, { input: { customerId, key: 'financialPlan', value: true, reason: 'trial' } });
    expect((await byKey('e-1')).financialPlan).toMatchObject({ value: true });
    const revoke = `mutation($id: ID!) { entitlementGrantRevoke(id: $id) { grant { revokedAt } userErrors { code field } } }`;
    const revoked = await app.gql(revoke, { id: wealth.data.entitlementGrant.grant.id });
    expect(revoked.data.entitlementGrantRevoke).toEqual({ grant: { revokedAt: expect.any(String) }, userErrors: [] });
    expect((await byKey('e-1')).financialPlan).toBeUndefined();
    const twice = await app.gql(revoke, { id: wealth.data.entitlementGrant.grant.id });
    expect(twice.data.entitlementGrantRevoke.userErrors).toEqual([{ code: 'CONFLICT', field: ['id'] }]);
  });

  it.each([
    ['an unknown customer', { customerId: '00000000-0000-4000-8000-000000000000', key: 'wealthSalon', value: true, reason: 'x' }, 'NOT_FOUND', ['input', 'customerId']],
    ['an unknown entitlement', { key: 'lounge', value: true, reason: 'x' }, 'UNKNOWN_ENTITLEMENT', ['input', 'key']],
    ['a mistyped value', { key: 'feeDiscountPct', value: '20%', reason: 'x' }, 'TYPE_MISMATCH', ['input', 'value']],
    ['an expiry in the past', { key: 'wealthSalon', value: true, reason: 'x', expiresAt: '2020-01-01T00:00:00Z' }, 'INVALID', ['input', 'expiresAt']],
    ['a blank reason', { key: 'wealthSalon', value: true, reason: '   ' }, 'INVALID', ['input', 'reason']],
  ])('refuses a grant with %s and stores nothing', async (_name, input, code, field) => {
    const [{ n: before }] = await app.db.dataSource.query('SELECT count(*)::int AS n FROM entitlement_grant');
    const res = await app.gql(GRANT, { input: { customerId, ...input } });
    expect(res.data.entitlementGrant).toEqual({ grant: null, userErrors: [expect.objectContaining({ code, field })] });
    const [{ n: after }] = await app.db.dataSource.query('SELECT count(*)::int AS n FROM entitlement_grant');
    expect(after).toBe(before);
  });

  it('answers the batch call in input order, marking unknown customers', async () => {
    await app.gql(`mutation { customerUpsert(input: { externalId: "e-2", name: "Corp", facts: { customerType: "corporate", strategicAccount: true } }) { customer { id } } }`);
    const res = await app.gql(BATCH, { ids: [customerId, 'not-a-uuid'], externalIds: ['e-2', 'missing', 'e-1'] });
    expect(res.data.customerEntitlements.map((s: { externalId: string; found: boolean }) => [s.externalId, s.found])).toEqual([
      ['e-1', true],
      [null, false],
      ['e-2', true],
      ['missing', false],
      ['e-1', true],
    ]);
    expect(res.data.customerEntitlements[2].entitlements).toContainEqual(expect.objectContaining({ key: 'slaLevel', value: 'platinum', tierKey: 'STRATEGIC' }));
  });

  it('refuses batches over 500 customers', async () => {
    const res = await app.gql(BATCH, { externalIds: Array.from({ length: 501 }, (_, i) => `x-${i}`) });
    expect(res.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('500') });
  });
});
