import { Role } from '../../src/shared/role';
import { TestApp, startTestApp } from '../helpers/app';

describe('API keys and roles', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ ruleFiles: false });
  });
  afterAll(() => app.close());

  it('answers a request without a key, or with an unknown key, with UNAUTHENTICATED', async () => {
    for (const key of [null, 'sk_not-a-real-key']) {
      const res = await app.gql('{ factDefinitions { key } }', {}, key);
      expect(res.status).toBe(401);
      expect(res.errors).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED', requestId: expect.any(String) } })]);
    }
  });

  const operations: [string, string, Role][] = [
    ['read customers', '{ customers { totalCount } }', Role.VIEWER],
    ['upsert a customer', 'mutation { customerUpsert(input: { externalId: "r", name: "r", facts: {} }) { userErrors { code } } }', Role.INTEGRATOR],
    ['grant an entitlement', 'mutation { entitlementGrant(input: { customerId: "x", key: "k", value: 1, reason: "r" }) { userErrors { code } } }', Role.INTEGRATOR],
    ['define a fact', 'mutation { factDefine(input: { key: "k", type: NUMBER }) { userErrors { code } } }', Role.EDITOR],
    ['create a program', 'mutation { tierProgramCreate(input: { key: "p", name: "p", tiers: [] }) { userErrors { code } } }', Role.EDITOR],
    ['create an API key', 'mutation { apiKeyCreate(input: { name: "n", roles: [VIEWER] }) { secret } }', Role.ADMIN],
  ];
  const roles = [Role.VIEWER, Role.INTEGRATOR, Role.EDITOR, Role.APPROVER, Role.ADMIN];
  const allowed = (granted: Role, needed: Role) => granted === Role.ADMIN || granted === needed || needed === Role.VIEWER;

  it.each(roles)('enforces the contract for a %s key on every operation', async (role) => {
    const key = await app.keyWithRoles(role);
    for (const [name, query, needed] of operations) {
      const res = await app.gql(query, {}, key);
      const forbidden = res.errors?.some((e) => e.extensions?.code === 'FORBIDDEN') ?? false;
      expect([name, forbidden]).toEqual([name, !allowed(role, needed)]);
    }
  });

  it('creates keys whose secret is shown once and stored only as a hash', async () => {
    const res = await app.gql(`mutation { apiKeyCreate(input: { name: "crm", roles: [INTEGRATOR, VIEWER] }) { apiKey { id name roles } secret userErrors { code } } }`);
    const { apiKey, secret } = res.data.apiKeyCreate;
    expect(apiKey).toMatchObject({ name: 'crm', roles: ['INTEGRATOR', 'VIEWER'] });
    expect(secret).toMatch(/^sk_/);
    const rows = await app.db.dataSource.query('SELECT secret_hash FROM api_key WHERE id = $1', [apiKey.id]);
    expect(rows[0].secret_hash).not.toContain(secret);
    expect(rows[0].secret_hash).toMatch(/^[0-9a-f]{64}$/);
    const works = await app.gql('{ factDefinitions { key } }', {}, secret);
    expect(works.errors).toBeUndefined();
    const empty = await app.gql(`mutation { apiKeyCreate(input: { name: "none", roles: [] }) { secret userErrors { code field } } }`);
    expect(empty.data.apiKeyCreate).toEqual({ secret: null, userErrors: [{ code: 'INVALID', field: ['input', 'roles'] }] });
  });

  it('never shows a stack trace or SQL to a client', async () => {
    await app.db.dataSource.query('ALTER TABLE fact_definition RENAME TO fact_definition_gone');
    try {
      const res = await app.gql('{ factDefinitions { key } }');
      expect(res.errors).toEqual([{ message: 'Internal server error', path: ['factDefinitions'], extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: expect.any(String) } }]);
      expect(JSON.stringify(res)).not.toMatch(/fact_definition|SELECT|at .*\.js/);
    } finally {
      await app.db.dataSource.query('ALTER TABLE fact_definition_gone RENAME TO fact_definition');
    }
  });
});
