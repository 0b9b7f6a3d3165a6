import { ENTITLEMENT_STRING_MAX_LENGTH } from '../../src/catalog/entitlement-values';
import { MAX_USER_ERRORS } from '../../src/shared/user-error';
import { TestApp, startTestApp } from '../helpers/app';

/** Issue 12, item 6: what one request may make Strata store and answer. */
describe('the size of what is stored and answered (RELIABILITY.md H6)', () => {
  let app: TestApp;
  const MAX_RESPONSE_BYTES = 200_000;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false }, maxResponseBytes: MAX_RESPONSE_BYTES });
    const define = await app.gql(`mutation { entitlementDefine(input: { key: "welcomeNote", name: "Welcome note", valueType: STRING }) { userErrors { message } } }`);
    expect(define.data.entitlementDefine.userErrors).toEqual([]);
    const fact = await app.gql(`mutation { factDefine(input: { key: "branches", type: STRING_LIST }) { userErrors { message } } }`);
    expect(fact.data.factDefine.userErrors).toEqual([]);
  });
  afterAll(() => app.close());

  const upsert = (externalId: string, facts: Record<string, unknown>) =>
    app.gql(`mutation($input: CustomerUpsertInput!) { customerUpsert(input: $input) { customer { id } userErrors { code field message } } }`, {
      input: { externalId, name: externalId, facts },
    });

  it('refuses a STRING entitlement value longer than 1,000 characters, in a grant and in a tier, and stores nothing', async () => {
    const { data } = await upsert('size-grant', {});
    const customerId = data.customerUpsert.customer.id;
    const grant = (value: string) =>
      app.gql(`mutation($input: EntitlementGrantInput!) { entitlementGrant(input: $input) { grant { id } userErrors { code field message } } }`, {
        input: { customerId, key: 'welcomeNote', value, reason: 'size test' },
      });
    const refused = await grant('x'.repeat(900_000));
    expect(refused.status).toBe(200);
    expect(refused.data.entitlementGrant).toEqual({
      grant: null,
      userErrors: [{ code: 'TYPE_MISMATCH', field: ['input', 'value'], message: `"welcomeNote" is STRING: strings hold at most ${ENTITLEMENT_STRING_MAX_LENGTH} characters, got 900000` }],
    });
    expect(await app.db.dataSource.query('SELECT count(*)::int AS n FROM entitlement_grant WHERE customer_id = $1', [customerId])).toEqual([{ n: 0 }]);
    const accepted = await grant('x'.repeat(ENTITLEMENT_STRING_MAX_LENGTH));
    expect(accepted.data.entitlementGrant.userErrors).toEqual([]);

    const draft = await app.gql(
      `mutation($input: TierProgramCreateInput!) { tierProgramCreate(input: $input) { draft { id } userErrors { code field message } } }`,
      { input: { key: 'notes', name: 'Notes', tiers: [{ key: 'A', name: 'A', rank: 1, conditions: { all: [] }, entitlements: [{ key: 'welcomeNote', value: 'y'.repeat(1_001) }] }] } },
    );
    expect(draft.data.tierProgramCreate.draft).toBeNull();
    expect(draft.data.tierProgramCreate.userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'tiers', '0', 'entitlements', '0', 'value'], message: expect.stringContaining('at most 1000 characters, got 1001') }),
    ]);
  });

  it(`lists at most ${MAX_USER_ERRORS} problems, the last saying how many more there are`, async () => {
    const facts = Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`unknownFact${i}`, 1]));
    const res = await upsert('size-errors', facts);
    const { userErrors } = res.data.customerUpsert;
    expect(userErrors).toHaveLength(MAX_USER_ERRORS);
    expect(userErrors[0].code).toBe('UNKNOWN_FACT');
    expect(userErrors.at(-1)).toEqual({ code: 'TRUNCATED', field: null, message: `${40_000 - MAX_USER_ERRORS + 1} more problems are not listed; fix these and send again` });
    expect(JSON.stringify(res).length).toBeLessThan(30_000);
  });

  it('refuses to build an answer larger than the limit, with a code and HTTP 400, and answers the same request paged smaller', async () => {
    // Each customer holds a long list fact: a page of them adds up past the limit.
    const branches = Array.from({ length: 100 }, (_, i) => `branch-${i}-`.padEnd(200, 'x'));
    for (let i = 0; i < 20; i += 1) expect((await upsert(`size-page-${i}`, { branches })).data.customerUpsert.userErrors).toEqual([]);
    const page = (first: number) => app.gql(`query($first: Int) { customers(first: $first) { edges { node { externalId facts } } } }`, { first });
    const large = await page(20);
    expect(large.status).toBe(400);
    expect(large.data).toBeUndefined();
    expect(large.errors).toEqual([
      { message: expect.stringMatching(/^this answer would be \d+ kB; one answer may hold at most 196 kB \(ask for fewer/), extensions: { code: 'RESPONSE_TOO_LARGE', requestId: expect.any(String) } },
    ]);
    expect(large.extensions?.cost.requestedQueryCost).toBeGreaterThan(0);
    const small = await page(2);
    expect(small.status).toBe(200);
    expect(small.data.customers.edges).toHaveLength(2);
  });
});
