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

  it('tells a key who it is and every role it acts with', async () => {
    const editor = await app.keyWithRoles(Role.EDITOR, Role.INTEGRATOR);
    const res = await app.gql('{ viewer { keyId name roles effectiveRoles } }', {}, editor);
    expect(res.data.viewer).toMatchObject({ keyId: expect.any(String), roles: ['EDITOR', 'INTEGRATOR'], effectiveRoles: ['VIEWER', 'INTEGRATOR', 'EDITOR'] });
    const admin = await app.gql('{ viewer { roles effectiveRoles } }');
    expect(admin.data.viewer).toEqual({ roles: ['ADMIN'], effectiveRoles: ['VIEWER', 'INTEGRATOR', 'EDITOR', 'APPROVER', 'ADMIN'] });
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

  it('lists keys, revokes one from the next request on (audited), and refuses expired keys (issue 12, item 3)', async () => {
    const created = await app.gql(`mutation { apiKeyCreate(input: { name: "to revoke", roles: [VIEWER] }) { apiKey { id } secret } }`);
    const { apiKey, secret } = created.data.apiKeyCreate;
    expect((await app.gql('{ factDefinitions { key } }', {}, secret)).errors).toBeUndefined();
    const listed = await app.gql(`{ apiKeys { id name roles lastUsedAt revokedAt expiresAt } }`);
    expect(listed.data.apiKeys).toContainEqual({ id: apiKey.id, name: 'to revoke', roles: ['VIEWER'], lastUsedAt: expect.any(String), revokedAt: null, expiresAt: null });
    expect(JSON.stringify(listed.data)).not.toContain(secret);

    const revoked = await app.gql(`mutation($id: ID!) { apiKeyRevoke(id: $id) { apiKey { revokedAt } userErrors { code } } }`, { id: apiKey.id });
    expect(revoked.data.apiKeyRevoke).toEqual({ apiKey: { revokedAt: expect.any(String) }, userErrors: [] });
    const refused = await app.gql('{ factDefinitions { key } }', {}, secret);
    expect([refused.status, refused.errors?.[0].extensions?.code]).toEqual([401, 'UNAUTHENTICATED']);
    const again = await app.gql(`mutation($id: ID!) { apiKeyRevoke(id: $id) { userErrors { code } } }`, { id: apiKey.id });
    expect(again.data.apiKeyRevoke.userErrors).toEqual([{ code: 'CONFLICT' }]);
    const [audit] = await app.db.dataSource.query(`SELECT action FROM audit_event WHERE entity_key = $1 AND action = 'apiKeyRevoke'`, [apiKey.id]);
    expect(audit).toEqual({ action: 'apiKeyRevoke' });

    const past = await app.gql(`mutation { apiKeyCreate(input: { name: "old", roles: [VIEWER], expiresAt: "2020-01-01T00:00:00Z" }) { userErrors { code field } } }`);
    expect(past.data.apiKeyCreate.userErrors).toEqual([{ code: 'INVALID', field: ['input', 'expiresAt'] }]);
    const expiring = await app.gql(`mutation { apiKeyCreate(input: { name: "soon", roles: [VIEWER], expiresAt: "2099-01-01T00:00:00Z" }) { apiKey { id } secret } }`);
    await app.db.dataSource.query(`UPDATE api_key SET expires_at = now() - interval '1 second' WHERE id = $1`, [expiring.data.apiKeyCreate.apiKey.id]);
    expect((await app.gql('{ factDefinitions { key } }', {}, expiring.data.apiKeyCreate.secret)).status).toBe(401);
  });

  it('keeps a revoked bootstrap key revoked across restarts', async () => {
    const [bootstrap] = await app.db.dataSource.query(`SELECT id FROM api_key WHERE name LIKE 'bootstrap%'`);
    await app.db.dataSource.query('UPDATE api_key SET revoked_at = now() WHERE id = $1', [bootstrap.id]);
    try {
      await app.strata.services.auth.ensureAdminKey(app.systemContext(), app.adminKey);
      expect((await app.gql('{ factDefinitions { key } }')).status).toBe(401);
    } finally {
      await app.db.dataSource.query('UPDATE api_key SET revoked_at = NULL WHERE id = $1', [bootstrap.id]);
    }
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
