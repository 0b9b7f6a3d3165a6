import { seedDemoCustomers } from '../../src/demo/seed';
import { TestApp, startTestApp } from '../helpers/app';

const PAGE = `query($first: Int) {
  customers(first: $first) {
    edges { node { id externalId facts
      tiers { program { key name } tier { key name rank } ruleVersion explanation { matchedTierKey outcomes { tierKey passed conditions } } }
      entitlements { key value source programKey tierKey grantId }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe('SQL statements per request', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false } }) // no background polling among the statements counted;
    await seedDemoCustomers(app.systemContext(), app.strata.services, 300);
    const ids: { id: string }[] = await app.db.dataSource.query('SELECT id FROM customer ORDER BY id LIMIT 100');
    for (const { id } of ids.slice(0, 30)) {
      await app.db.dataSource.query(`INSERT INTO entitlement_grant (customer_id, entitlement_key, value, reason) VALUES ($1, 'wealthSalon', 'true', 'test')`, [id]);
    }
  });
  afterAll(() => app.close());

  const statementsFor = async (first: number) => {
    await app.gql(PAGE, { first: 1 });
    const before = app.queries.count;
    const res = await app.gql(PAGE, { first });
    expect(res.errors).toBeUndefined();
    expect(res.data.customers.edges).toHaveLength(first);
    return app.queries.count - before;
  };

  it('costs the same small number of statements for 100 customers with tiers and entitlements as for 10', async () => {
    const ten = await statementsFor(10);
    const hundred = await statementsFor(100);
    // api key, page, programs in force, overrides of the page, grants of the page
    expect(hundred).toBe(5);
    expect(ten).toBe(hundred);
  });

  it('answers the integrators’ batch call for 100 customers with a constant number of statements', async () => {
    const externalIds: string[] = (await app.db.dataSource.query('SELECT external_id FROM customer LIMIT 100')).map((r: { external_id: string }) => r.external_id);
    const query = `query($externalIds: [String!]) { customerEntitlements(externalIds: $externalIds) { found entitlements { key value } } }`;
    await app.gql(query, { externalIds: externalIds.slice(0, 1) });
    const before = app.queries.count;
    const res = await app.gql(query, { externalIds });
    expect(res.data.customerEntitlements.every((s: { found: boolean }) => s.found)).toBe(true);
    // api key, customers, programs in force, overrides, grants
    expect(app.queries.count - before).toBe(5);
  });
});
