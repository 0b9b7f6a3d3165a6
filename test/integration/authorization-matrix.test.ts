import { GraphQLField, isNonNullType } from 'graphql';
import { Role } from '../../src/shared/role';
import { TestApp, startTestApp } from '../helpers/app';
import { RootKind, operation, rootFields, sample } from '../helpers/schema-operations';

const { VIEWER, INTEGRATOR, EDITOR, APPROVER, ADMIN } = Role;
const EVERYONE = [VIEWER, INTEGRATOR, EDITOR, APPROVER, ADMIN];
/** Webhook endpoints: integrators manage their own, ADMIN every one. */
const INTEGRATORS = [INTEGRATOR, ADMIN];

/**
 * Who may call what, as the contract and the README's "Access" section put it: everyone
 * reads customers, tiers and catalogs; integrators write customers, facts, grants and
 * overrides; editors define catalogs and programs and edit drafts; approvers approve,
 * publish and roll back; authors (editors, approvers) read drafts, diffs, jobs and the
 * audit trail; ADMIN does everything and alone creates keys. A root field missing here
 * fails the test: a new operation must be placed in the matrix.
 */
const ALLOWED: Record<string, Role[]> = {
  customer: EVERYONE,
  customers: EVERYONE,
  events: EVERYONE,
  webhookEndpoints: INTEGRATORS,
  webhookEndpoint: INTEGRATORS,
  webhookEndpointCreate: INTEGRATORS,
  webhookEndpointUpdate: INTEGRATORS,
  webhookEndpointDelete: INTEGRATORS,
  webhookEndpointSecretRotate: INTEGRATORS,
  webhookEventReplay: INTEGRATORS,
  customerEntitlements: EVERYONE,
  tierPrograms: EVERYONE,
  tierProgram: EVERYONE,
  evaluate: EVERYONE,
  factDefinitions: EVERYONE,
  viewer: EVERYONE,
  entitlementDefinitions: EVERYONE,
  node: EVERYONE,
  nodes: EVERYONE,
  ruleDraft: [EDITOR, APPROVER, ADMIN],
  ruleDrafts: [EDITOR, APPROVER, ADMIN],
  ruleDraftSimulate: [EDITOR, APPROVER, ADMIN],
  ruleSetDiff: [EDITOR, APPROVER, ADMIN],
  retierJob: [EDITOR, APPROVER, ADMIN],
  auditEvents: [EDITOR, APPROVER, ADMIN],
  customerUpsert: [INTEGRATOR, ADMIN],
  customersUpsert: [INTEGRATOR, ADMIN],
  customerFactsUpdate: [INTEGRATOR, ADMIN],
  customerDelete: [INTEGRATOR, ADMIN],
  entitlementGrant: [INTEGRATOR, ADMIN],
  entitlementGrantRevoke: [INTEGRATOR, ADMIN],
  tierOverrideSet: [INTEGRATOR, ADMIN],
  tierOverrideRevoke: [INTEGRATOR, ADMIN],
  factDefine: [EDITOR, ADMIN],
  entitlementDefine: [EDITOR, ADMIN],
  tierProgramCreate: [EDITOR, ADMIN],
  ruleDraftCreate: [EDITOR, ADMIN],
  tierProgramRetire: [EDITOR, ADMIN],
  ruleDraftUpdate: [EDITOR, ADMIN],
  ruleDraftTierUpdate: [EDITOR, ADMIN],
  ruleDraftTestCaseAdd: [EDITOR, ADMIN],
  ruleDraftTestCaseRemove: [EDITOR, ADMIN],
  ruleDraftSubmit: [EDITOR, ADMIN],
  ruleDraftDiscard: [EDITOR, ADMIN],
  ruleDraftApprove: [APPROVER, ADMIN],
  ruleDraftPublish: [APPROVER, ADMIN],
  ruleSetRollback: [APPROVER, ADMIN],
  apiKeyCreate: [ADMIN],
  apiKeyRevoke: [ADMIN],
  apiKeys: [ADMIN],
};

/** The smallest operation calling `field`: its required arguments as variables. */
function smallest(kind: RootKind, field: GraphQLField<unknown, unknown>) {
  const required = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
  return { query: operation(kind, field, required), variables: Object.fromEntries(required.map((a) => [a.name, sample(a.type)])) };
}

describe('authorization matrix (RELIABILITY.md S7): every query and mutation × every role and no key', () => {
  let app: TestApp;
  const keys = new Map<Role, string>();
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false } });
    for (const role of EVERYONE) keys.set(role, await app.keyWithRoles(role));
  });
  afterAll(() => app.close());

  it('places every root field of the schema in the matrix', () => {
    expect(rootFields(app.strata.schema).map((r) => r.field.name).sort()).toEqual(Object.keys(ALLOWED).sort());
  });

  it('lets exactly the roles the contract names through, refuses the others with FORBIDDEN and no key with UNAUTHENTICATED', async () => {
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const { kind, field } of rootFields(app.strata.schema)) {
      const { query, variables } = smallest(kind, field);
      const anonymous = await app.gql(query, variables, null);
      outcomes.push(`${field.name} without a key: ${anonymous.status} ${anonymous.errors?.[0]?.extensions?.code}`);
      expected.push(`${field.name} without a key: 401 UNAUTHENTICATED`);
      for (const role of EVERYONE) {
        const res = await app.gql(query, variables, keys.get(role)!);
        const codes = (res.errors ?? []).map((e) => e.extensions?.code);
        const refused = codes.includes('FORBIDDEN');
        // Anything but FORBIDDEN means the call got past authorization (NOT_FOUND, userErrors, data).
        expect(codes).not.toContain('GRAPHQL_VALIDATION_FAILED');
        expect(codes).not.toContain('INTERNAL_SERVER_ERROR');
        outcomes.push(`${field.name} as ${role}: ${refused ? 'forbidden' : 'allowed'}`);
        expected.push(`${field.name} as ${role}: ${(ALLOWED[field.name] ?? []).includes(role) ? 'allowed' : 'forbidden'}`);
      }
    }
    expect(outcomes).toEqual(expected);
    expect(outcomes).toHaveLength(Object.keys(ALLOWED).length * 6);
  });
});
