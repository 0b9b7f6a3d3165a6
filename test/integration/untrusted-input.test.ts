import fc from 'fast-check';
import { validateProgramDocument } from '../../src/rules/program-validator';
import { BadDocument, Expected, Path, badDocuments, badFacts, documentsWithForbiddenKeys, validDocument } from '../helpers/bad-input-arbitraries';
import { GraphQLResponse, TestApp, startTestApp } from '../helpers/app';

interface UserErrorOut {
  code: string;
  field: string[] | null;
  message: string;
}

const PAYLOAD = 'userErrors { code field message }';
const RULE_RUNS = 1_500;
const FACT_RUNS = 1_200;

/**
 * RELIABILITY.md R1 and R2: rule documents and fact payloads are untrusted input. Every
 * generated bad one must come back as `userErrors` naming the defect's code and exact path
 * (and nothing outside the defect), store nothing, and leave the process unpolluted.
 */
describe('rule documents and facts as untrusted input (RELIABILITY.md R1, R2)', () => {
  let app: TestApp;
  let draft: { id: string; revision: number; tierKey: string; tierName: string; tierRank: number };
  let customerId: string;
  /** Rows that no rejected call may add to or change. */
  const snapshot = () =>
    app.db.dataSource.query(`SELECT
      (SELECT count(*) FROM audit_event)::int AS audit,
      (SELECT count(*) FROM tier_program)::int AS programs,
      (SELECT count(*) FROM rule_set_version)::int AS versions,
      (SELECT count(*) FROM customer)::int AS customers,
      (SELECT count(*) FROM tier_change)::int AS history,
      (SELECT json_agg(json_build_object('revision', revision, 'document', document, 'tests', test_cases) ORDER BY id) FROM rule_draft) AS drafts,
      (SELECT json_agg(json_build_object('facts', facts, 'version', version) ORDER BY id) FROM customer) AS customer_rows`);
  let before: unknown;
  const tally = new Map<string, number>();
  const count = (label: string) => tally.set(label, (tally.get(label) ?? 0) + 1);

  beforeAll(async () => {
    // Thousands of calls from one key: the cost budget is not what is under test here.
    app = await startTestApp({ retier: { start: false }, costLimits: { maxCost: 5_000, bucketSize: 1e9, restorePerSecond: 1e9 } });
    const created = await app.gql(`mutation { ruleDraftCreate(programKey: "retail-bank") { draft { id revision document } ${PAYLOAD} } }`);
    const d = created.data.ruleDraftCreate.draft;
    draft = { id: d.id, revision: d.revision, tierKey: d.document.tiers[0].key, tierName: d.document.tiers[0].name, tierRank: d.document.tiers[0].rank };
    const upserted = await app.gql(`mutation { customerUpsert(input: { externalId: "fuzz-target", name: "Target", facts: { customerType: "individual", balance: 1000 } }) { customer { id } ${PAYLOAD} } }`);
    customerId = upserted.data.customerUpsert.customer.id;
    before = await snapshot();
  });
  afterAll(async () => {
    await app.close();
  });

  /** The exact problem is reported, every problem lies within the defect, and the mutation returned no entity. */
  function expectPrecise(res: GraphQLResponse, mutation: string, entityField: string, expected: Pick<Expected, 'code' | 'path' | 'scope' | 'message' | 'defect'>, prefix: Path) {
    const payload = res.data?.[mutation];
    const errors: UserErrorOut[] = payload?.userErrors ?? [];
    const at = (p: Path) => [...prefix, ...p].map(String);
    const within = (field: string[] | null) => field !== null && at(expected.scope).every((k, i) => field[i] === k);
    const summary = {
      defect: expected.defect,
      status: res.status,
      graphqlErrors: res.errors ?? [],
      entity: payload?.[entityField] ?? null,
      hit: errors.some((e) => e.code === expected.code && (expected.path === null || JSON.stringify(e.field) === JSON.stringify(at(expected.path))) && (!expected.message || expected.message.test(e.message))),
      strays: errors.filter((e) => !within(e.field)),
    };
    if (!summary.hit) Object.assign(summary, { errors });
    expect(summary).toEqual({ defect: expected.defect, status: 200, graphqlErrors: [], entity: null, hit: true, strays: [] });
    for (const e of errors) expect(e.message.length).toBeGreaterThan(0);
    count(expected.defect);
  }

  it('generates only valid documents before a defect is put in', async () => {
    const catalogs = await app.strata.services.programs.catalogs(app.systemContext());
    fc.assert(fc.property(validDocument, (document) => expect(validateProgramDocument(document, catalogs)).toEqual([])), { numRuns: 500 });
  });

  it(`refuses ${RULE_RUNS} generated bad rule documents by draft edit (in both tier shapes), tier edit and program creation, each with the exact path`, async () => {
    let programs = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 12, arbitrary: badDocuments }, { weight: 1, arbitrary: documentsWithForbiddenKeys }), fc.nat(3), async (bad: BadDocument, route) => {
        if (route === 1 && bad.tier !== null) {
          const tier = { key: draft.tierKey, name: draft.tierName, rank: draft.tierRank, conditions: bad.document.tiers[bad.tier].conditions };
          const res = await app.gql(`mutation($id: ID!, $revision: Int!, $tierKey: String!, $tier: TierInput!) { ruleDraftTierUpdate(id: $id, revision: $revision, tierKey: $tierKey, tier: $tier) { draft { id } ${PAYLOAD} } }`, {
            id: draft.id,
            revision: draft.revision,
            tierKey: draft.tierKey,
            tier,
          });
          const inTier = (p: Path | null) => p && p.slice(2);
          expectPrecise(res, 'ruleDraftTierUpdate', 'draft', { ...bad.expected, path: inTier(bad.expected.path), scope: inTier(bad.expected.scope)! }, ['tier']);
        } else if (route === 2 && !bad.expected.defect.includes(' on ')) {
          // GraphQL's input types already refuse unknown keys on a tier, so only rule trees go this way.
          programs += 1;
          const input = { key: `fuzz-${programs}`, name: 'Fuzz', appliesTo: bad.document.appliesTo, tiers: bad.document.tiers };
          const res = await app.gql(`mutation($input: TierProgramCreateInput!) { tierProgramCreate(input: $input) { program { key } ${PAYLOAD} } }`, { input });
          expectPrecise(res, 'tierProgramCreate', 'program', bad.expected, ['input']);
        } else if (route === 3) {
          // The older tier shape, rule: { conditions }, is still read, and problems point where it was written.
          const older = { ...bad.document, tiers: bad.document.tiers.map(({ conditions, ...tier }) => ({ ...tier, rule: { conditions } })) };
          const asWritten = (p: Path | null) => p && (p[0] === 'tiers' && p[2] === 'conditions' ? [...p.slice(0, 2), 'rule', ...p.slice(2)] : p);
          const res = await app.gql(`mutation($id: ID!, $revision: Int!, $document: JSONObject!) { ruleDraftUpdate(id: $id, revision: $revision, document: $document) { draft { id } ${PAYLOAD} } }`, {
            id: draft.id,
            revision: draft.revision,
            document: older,
          });
          expectPrecise(res, 'ruleDraftUpdate', 'draft', { ...bad.expected, path: asWritten(bad.expected.path), scope: asWritten(bad.expected.scope)! }, ['document']);
        } else {
          const res = await app.gql(`mutation($id: ID!, $revision: Int!, $document: JSONObject!) { ruleDraftUpdate(id: $id, revision: $revision, document: $document) { draft { id } ${PAYLOAD} } }`, {
            id: draft.id,
            revision: draft.revision,
            document: bad.document,
          });
          expectPrecise(res, 'ruleDraftUpdate', 'draft', bad.expected, ['document']);
        }
      }),
      { numRuns: RULE_RUNS },
    );
  });

  it(`refuses ${FACT_RUNS} generated bad fact payloads by upsert, facts update, draft test case and what-if, each at the offending fact`, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(3).chain((route) => badFacts(route === 1).map((bad) => ({ route, bad }))), async ({ route, bad }) => {
        n += 1;
        const expected = { code: bad.expected, path: [bad.key], scope: [bad.key], defect: `facts: ${bad.expected}` };
        if (route === 0) {
          const res = await app.gql(`mutation($input: CustomerUpsertInput!) { customerUpsert(input: $input) { customer { id } ${PAYLOAD} } }`, {
            input: { externalId: `fuzz-${n}`, name: 'Fuzz', facts: bad.facts },
          });
          expectPrecise(res, 'customerUpsert', 'customer', expected, ['input', 'facts']);
        } else if (route === 1) {
          const res = await app.gql(`mutation($id: ID!, $facts: JSONObject!) { customerFactsUpdate(id: $id, facts: $facts) { customer { id } ${PAYLOAD} } }`, { id: customerId, facts: bad.facts });
          expectPrecise(res, 'customerFactsUpdate', 'customer', expected, ['facts']);
        } else if (route === 3) {
          // A query has no payload for userErrors: the what-if answers BAD_USER_INPUT naming the fact.
          const res = await app.gql(`query($facts: JSONObject!) { evaluate(programKey: "retail-bank", facts: $facts) { tier { key } } }`, { facts: bad.facts });
          expect({ data: res.data, codes: res.errors?.map((e) => e.extensions?.code), names: res.errors?.[0]?.message.startsWith(`facts.${bad.key}: `) }).toEqual({
            data: null,
            codes: ['BAD_USER_INPUT'],
            names: true,
          });
          count('facts: evaluate');
        } else {
          const res = await app.gql(`mutation($id: ID!, $revision: Int!, $testCase: RuleTestCaseInput!) { ruleDraftTestCaseAdd(id: $id, revision: $revision, testCase: $testCase) { draft { id } ${PAYLOAD} } }`, {
            id: draft.id,
            revision: draft.revision,
            testCase: { name: `case ${n}`, facts: bad.facts, expectedTierKey: null },
          });
          expectPrecise(res, 'ruleDraftTestCaseAdd', 'draft', expected, ['testCase', 'facts']);
        }
      }),
      { numRuns: FACT_RUNS },
    );
  });

  it('stored nothing, polluted no prototype and still serves', async () => {
    expect(await snapshot()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect('polluted' in Object.prototype).toBe(false);
    const res = await app.gql(`{ customer(id: "${customerId}") { facts tier(programKey: "retail-bank") { tier { key } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.customer.facts).toEqual({ customerType: 'individual', balance: 1000 });
    // Every kind of defect was tried.
    expect([...tally.keys()].length).toBeGreaterThanOrEqual(20);
  });
});
