import fc from 'fast-check';
import { Role } from '../../src/shared/role';
import { TestApp, startTestApp } from '../helpers/app';

type Actor = 'editor1' | 'editor2' | 'approver' | 'lead1' | 'lead2';
const ROLES: Record<Actor, Role[]> = {
  editor1: [Role.EDITOR],
  editor2: [Role.EDITOR],
  approver: [Role.APPROVER],
  lead1: [Role.EDITOR, Role.APPROVER],
  lead2: [Role.EDITOR, Role.APPROVER],
};
const EDITORS: Actor[] = ['editor1', 'editor2', 'lead1', 'lead2'];
const APPROVERS: Actor[] = ['approver', 'lead1', 'lead2'];

type Action = { kind: 'edit' | 'tierEdit' | 'testCase' | 'submit'; actor: Actor } | { kind: 'approve'; actor: Actor };

/** What the draft must look like after each action, by the contract. */
interface Model {
  status: 'EDITING' | 'SUBMITTED' | 'APPROVED';
  lastEditor: Actor;
  /** Every key that opened or edited the draft: none of them may approve it. */
  authors: Set<Actor>;
  approvedBy: Actor | null;
}

const PAYLOAD = 'draft { revision status approvedBy lastEditedBy } userErrors { code field message }';

/**
 * RELIABILITY.md R7: random sequences of edits, submissions and approvals by five keys
 * (two editors, an approver, two keys holding both roles). No key approves a draft it opened
 * or edited at any point, and any edit withdraws a submission or approval.
 */
describe('four-eyes approval', () => {
  let app: TestApp;
  const keys = {} as Record<Actor, string>;
  const names = {} as Record<Actor, string>;
  const tally = { selfApprovalsTried: 0, selfApprovalsAllowed: 0, approvalsEditedAgain: 0, approvalsKept: 0, approvals: 0 };
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false }, costLimits: { maxCost: 5_000, bucketSize: 1e9, restorePerSecond: 1e9 } });
    for (const actor of Object.keys(ROLES) as Actor[]) {
      const res = await app.gql(`mutation($input: ApiKeyCreateInput!) { apiKeyCreate(input: $input) { secret } }`, { input: { name: actor, roles: ROLES[actor] } });
      keys[actor] = res.data.apiKeyCreate.secret;
      names[actor] = actor;
    }
  });
  afterAll(() => app.close());

  const action: fc.Arbitrary<Action> = fc.oneof(
    fc.record({ kind: fc.constantFrom('edit' as const, 'tierEdit' as const, 'testCase' as const), actor: fc.constantFrom(...EDITORS) }),
    fc.record({ kind: fc.constant('submit' as const), actor: fc.constantFrom(...EDITORS) }),
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('approve' as const), actor: fc.constantFrom(...APPROVERS) }) },
  );

  it('refuses approval by a key that edited earlier, after another key edited last (issue 12, item 2)', async () => {
    const opened = await app.gql(`mutation { ruleDraftCreate(programKey: "retail-bank") { draft { id revision document } } }`, {}, keys.lead1);
    const { id, document } = opened.data.ruleDraftCreate.draft;
    const everyone = { ...document, tiers: document.tiers.map((t: { conditions: unknown }, i: number) => (i === 0 ? { ...t, conditions: { all: [] } } : t)) };
    const edited = await app.gql(`mutation($id: ID!, $doc: JSONObject!) { ruleDraftUpdate(id: $id, revision: 1, document: $doc) { ${PAYLOAD} } }`, { id, doc: everyone }, keys.lead1);
    expect(edited.data.ruleDraftUpdate.userErrors).toEqual([]);
    const testCase = { name: 'rich', facts: { customerType: 'individual', balance: 600_000 }, expectedTierKey: 'A' };
    const added = await app.gql(`mutation($id: ID!, $t: RuleTestCaseInput!) { ruleDraftTestCaseAdd(id: $id, revision: 2, testCase: $t) { ${PAYLOAD} } }`, { id, t: testCase }, keys.editor2);
    expect(added.data.ruleDraftTestCaseAdd.userErrors).toEqual([]);
    const submitted = await app.gql(`mutation($id: ID!) { ruleDraftSubmit(id: $id, revision: 3) { ${PAYLOAD} } }`, { id }, keys.lead1);
    expect(submitted.data.ruleDraftSubmit.userErrors).toEqual([]);
    const approved = await app.gql(`mutation($id: ID!) { ruleDraftApprove(id: $id, revision: 4) { ${PAYLOAD} } }`, { id }, keys.lead1);
    expect(approved.data.ruleDraftApprove.userErrors.map((e: { code: string }) => e.code)).toEqual(['SELF_APPROVAL']);
    await app.gql(`mutation($id: ID!) { ruleDraftDiscard(id: $id, revision: 4) { userErrors { message } } }`, { id }, keys.lead1);
  });

  it('refuses every self-approval and withdraws every approval an edit follows', async () => {
    let step = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...EDITORS), fc.array(action, { minLength: 5, maxLength: 25 }), async (creator, actions) => {
        const opened = await app.gql(`mutation { ruleDraftCreate(programKey: "retail-bank") { draft { id revision document } userErrors { message } } }`, {}, keys[creator]);
        const { id, document } = opened.data.ruleDraftCreate.draft;
        let revision: number = opened.data.ruleDraftCreate.draft.revision;
        const model: Model = { status: 'EDITING', lastEditor: creator, authors: new Set([creator]), approvedBy: null };
        for (const { kind, actor } of actions) {
          step += 1;
          const key = keys[actor];
          const vars = { id, revision };
          let res;
          if (kind === 'edit') {
            const doc = { ...document, tiers: document.tiers.map((t: { name: string }, i: number) => (i === 0 ? { ...t, name: `edit ${step}` } : t)) };
            res = (await app.gql(`mutation($id: ID!, $revision: Int!, $doc: JSONObject!) { ruleDraftUpdate(id: $id, revision: $revision, document: $doc) { ${PAYLOAD} } }`, { ...vars, doc }, key)).data.ruleDraftUpdate;
          } else if (kind === 'tierEdit') {
            const tier = { ...document.tiers[1], name: `tier edit ${step}` };
            delete tier.entitlements;
            res = (
              await app.gql(`mutation($id: ID!, $revision: Int!, $tier: TierInput!) { ruleDraftTierUpdate(id: $id, revision: $revision, tierKey: "${document.tiers[1].key}", tier: $tier) { ${PAYLOAD} } }`, { ...vars, tier }, key)
            ).data.ruleDraftTierUpdate;
          } else if (kind === 'testCase') {
            res = (
              await app.gql(`mutation($id: ID!, $revision: Int!, $testCase: RuleTestCaseInput!) { ruleDraftTestCaseAdd(id: $id, revision: $revision, testCase: $testCase) { ${PAYLOAD} } }`, {
                ...vars,
                testCase: { name: `case ${step}`, facts: { customerType: 'individual', balance: 600_000 }, expectedTierKey: 'A' },
              }, key)
            ).data.ruleDraftTestCaseAdd;
          } else if (kind === 'submit') {
            res = (await app.gql(`mutation($id: ID!, $revision: Int!) { ruleDraftSubmit(id: $id, revision: $revision) { ${PAYLOAD} } }`, vars, key)).data.ruleDraftSubmit;
          } else {
            res = (await app.gql(`mutation($id: ID!, $revision: Int!) { ruleDraftApprove(id: $id, revision: $revision) { ${PAYLOAD} } }`, vars, key)).data.ruleDraftApprove;
          }

          // The contract, applied to the model.
          const errors = res.userErrors.map((e: { code: string }) => e.code);
          if (kind === 'approve') {
            const self = model.authors.has(actor);
            if (model.status === 'SUBMITTED' && self) tally.selfApprovalsTried += 1;
            if (model.status === 'SUBMITTED' && !self) {
              expect({ step, errors }).toEqual({ step, errors: [] });
              model.status = 'APPROVED';
              model.approvedBy = actor;
              tally.approvals += 1;
            } else {
              expect({ step, errors }).toEqual({ step, errors: [self && model.status === 'SUBMITTED' ? 'SELF_APPROVAL' : 'CONFLICT'] });
            }
          } else if (kind === 'submit') {
            if (model.status === 'EDITING') {
              expect({ step, errors }).toEqual({ step, errors: [] });
              model.status = 'SUBMITTED';
            } else expect({ step, errors }).toEqual({ step, errors: ['CONFLICT'] });
          } else {
            expect({ step, errors }).toEqual({ step, errors: [] });
            if (model.status === 'APPROVED') tally.approvalsEditedAgain += 1;
            model.status = 'EDITING';
            model.approvedBy = null;
            model.lastEditor = actor;
            model.authors.add(actor);
          }
          if (errors.length === 0) {
            revision = res.draft.revision;
            expect({ step, status: res.draft.status, approvedBy: res.draft.approvedBy, lastEditedBy: res.draft.lastEditedBy }).toEqual({
              step,
              status: model.status,
              approvedBy: model.approvedBy && names[model.approvedBy],
              lastEditedBy: names[model.lastEditor],
            });
            if (res.draft.status === 'APPROVED' && model.approvedBy && model.authors.has(model.approvedBy)) tally.selfApprovalsAllowed += 1;
          }
        }
        if (model.status === 'APPROVED') tally.approvalsKept += 1;
        await app.gql(`mutation($id: ID!, $revision: Int!) { ruleDraftDiscard(id: $id, revision: $revision) { userErrors { message } } }`, { id, revision }, keys[creator]);
      }),
      { numRuns: 80 },
    );
    // The stored record agrees: no approval in the audit log by a key that wrote the draft before it.
    const approvals: { approver: string; wrote: boolean }[] = await app.db.dataSource.query(`
      SELECT a.actor_key_id AS approver,
             EXISTS (SELECT 1 FROM audit_event e WHERE e.entity_key = a.entity_key AND e.id < a.id AND e.actor_key_id = a.actor_key_id
                AND e.action IN ('ruleDraftCreate', 'ruleDraftUpdate', 'ruleDraftTierUpdate', 'ruleDraftTestCaseAdd', 'ruleDraftTestCaseRemove')) AS wrote
        FROM audit_event a WHERE a.action = 'ruleDraftApprove'`);
    expect(approvals.filter((a) => a.wrote)).toEqual([]);
    expect(approvals).toHaveLength(tally.approvals);
    expect(tally.selfApprovalsAllowed).toBe(0);
    expect(tally.selfApprovalsTried).toBeGreaterThan(0);
    expect(tally.approvalsEditedAgain).toBeGreaterThan(0);
  });
});
