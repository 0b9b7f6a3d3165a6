import { TestApp, startTestApp } from '../helpers/app';

const FACTS_UPDATE = `mutation($id: ID, $externalId: String, $facts: JSONObject!) {
  customerFactsUpdate(id: $id, externalId: $externalId, facts: $facts) {
    customer { id externalId facts tier(programKey: "retail-bank") { tier { key } } }
    tierChanges { fromTierKey toTierKey }
    userErrors { code field message }
  }
}`;
const GRANT = `mutation($input: EntitlementGrantInput!) { entitlementGrant(input: $input) { grant { id customerId } userErrors { code field message } } }`;
const OVERRIDE = `mutation($input: TierOverrideSetInput!) { tierOverrideSet(input: $input) { override { customerId tierKey } userErrors { code field message } } }`;
const DELETE = `mutation($id: ID, $externalId: String) { customerDelete(id: $id, externalId: $externalId) { deletedId userErrors { code field message } } }`;
const ENTITLEMENTS = `query($ids: [ID!], $externalIds: [String!], $keys: [String!]) {
  customerEntitlements(ids: $ids, externalIds: $externalIds, keys: $keys) {
    customerId externalId found customer { id externalId name } entitlements { key value source }
  }
}`;

const codes = (errors: { code: string; field: string[] | null }[]) => errors.map((e) => [e.code, e.field?.join('.') ?? null]);

/** An integrator keyed by its own ids never needs Strata's UUID: every customer write takes either. */
describe('customers addressed by externalId in every customer write', () => {
  let app: TestApp;
  let id: string;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false } });
    const res = await app.gql(`mutation { customerUpsert(input: { externalId: "ext-1", name: "Ext One", facts: { customerType: "individual", balance: 1000 } }) { customer { id } } }`);
    id = res.data.customerUpsert.customer.id;
  });
  afterAll(() => app.close());

  it('updates facts by externalId as by id, and refuses both, neither or an unknown one at its field', async () => {
    const byExternal = (await app.gql(FACTS_UPDATE, { externalId: 'ext-1', facts: { balance: 600_000 } })).data.customerFactsUpdate;
    expect(byExternal.userErrors).toEqual([]);
    expect(byExternal.customer).toMatchObject({ id, externalId: 'ext-1', tier: { tier: { key: 'A' } } });
    expect(byExternal.tierChanges).toEqual([{ fromTierKey: 'D', toTierKey: 'A' }]);
    const refused = async (variables: Record<string, unknown>) => codes((await app.gql(FACTS_UPDATE, { facts: { balance: 5 }, ...variables })).data.customerFactsUpdate.userErrors);
    expect(await refused({ id, externalId: 'ext-1' })).toEqual([['INVALID', null]]);
    expect(await refused({})).toEqual([['INVALID', null]]);
    expect(await refused({ externalId: 'nobody' })).toEqual([['NOT_FOUND', 'externalId']]);
    expect(await refused({ id: '00000000-0000-4000-8000-000000000000' })).toEqual([['NOT_FOUND', 'id']]);
    const [{ balance }] = await app.db.dataSource.query(`SELECT facts->>'balance' AS balance FROM customer WHERE id = $1`, [id]);
    expect(balance).toBe('600000');
  });

  it('grants and overrides by customerExternalId, refusing an unknown one at that field', async () => {
    const grant = { key: 'feeDiscountPct', value: 45, reason: 'retention' };
    const granted = (await app.gql(GRANT, { input: { ...grant, customerExternalId: 'ext-1' } })).data.entitlementGrant;
    expect(granted).toMatchObject({ grant: { customerId: id }, userErrors: [] });
    expect(codes((await app.gql(GRANT, { input: { ...grant, customerExternalId: 'nobody' } })).data.entitlementGrant.userErrors)).toEqual([['NOT_FOUND', 'input.customerExternalId']]);
    expect(codes((await app.gql(GRANT, { input: { ...grant, customerId: id, customerExternalId: 'ext-1' } })).data.entitlementGrant.userErrors)).toEqual([['INVALID', 'input']]);

    const pin = { programKey: 'retail-bank', tierKey: 'B', reason: 'dispute' };
    const overridden = (await app.gql(OVERRIDE, { input: { ...pin, customerExternalId: 'ext-1' } })).data.tierOverrideSet;
    expect(overridden).toMatchObject({ override: { customerId: id, tierKey: 'B' }, userErrors: [] });
    expect(codes((await app.gql(OVERRIDE, { input: { ...pin, customerExternalId: 'nobody' } })).data.tierOverrideSet.userErrors)).toEqual([['NOT_FOUND', 'input.customerExternalId']]);
  });

  it('answers the batch read with the customer, only the keys asked for, and unknown ids as not found with what was asked', async () => {
    const unknownId = '00000000-0000-4000-8000-000000000001';
    const res = await app.gql(ENTITLEMENTS, { ids: [id, unknownId], externalIds: ['ext-1', 'nobody'], keys: ['feeDiscountPct'] });
    expect(res.errors).toBeUndefined();
    const [first, second, third, fourth] = res.data.customerEntitlements;
    expect(first).toMatchObject({ customerId: id, externalId: 'ext-1', found: true, customer: { id, externalId: 'ext-1', name: 'Ext One' } });
    expect(first.entitlements).toEqual([{ key: 'feeDiscountPct', value: 45, source: 'GRANT' }]);
    expect(second).toEqual({ customerId: unknownId, externalId: null, found: false, customer: null, entitlements: [] });
    expect(third).toEqual(first);
    expect(fourth).toEqual({ customerId: null, externalId: 'nobody', found: false, customer: null, entitlements: [] });
    const typo = await app.gql(ENTITLEMENTS, { ids: [id], keys: ['feeDiscuontPct'] });
    expect(typo.status).toBe(400);
    expect(typo.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(typo.errors?.[0].message).toContain('feeDiscuontPct');
  });

  it('deletes by externalId', async () => {
    const res = (await app.gql(DELETE, { externalId: 'ext-1' })).data.customerDelete;
    expect(res).toEqual({ deletedId: id, userErrors: [] });
    expect(codes((await app.gql(DELETE, { externalId: 'ext-1' })).data.customerDelete.userErrors)).toEqual([['NOT_FOUND', 'externalId']]);
  });
});
