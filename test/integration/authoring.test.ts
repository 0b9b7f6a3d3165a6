import { Role } from '../../src/shared/role';
import { RetierRunner } from '../../src/retier/retier-runner';
import { TestApp, startTestApp } from '../helpers/app';

const PROGRAM = 'retail-bank';
const BALANCES = [0, 5_000, 9_999, 10_000, 30_000, 50_000, 100_000, 199_999, 200_000, 300_000, 499_999, 500_000, 550_000, 600_000, 1_000_000];

const DRAFT_FIELDS = `id revision status baseVersion lastEditedBy approvedBy document
  validation { publishable errors { code field message } warnings { code field message } testResults { name expectedTierKey expectedTier { key rank } actualTierKey actualTier { key rank } passed } }
  tiers { key name rank conditions entitlements { key value typedValue { display } definition { key } } }`;
const DRAFT_PAYLOAD = `draft { ${DRAFT_FIELDS} } userErrors { code field message }`;

/** The draft document of the walkthrough: A_SUB dropped, bands with upper bounds (a gap at 200k–500k). */
function bandedDocument(original: any) {
  const tier = (key: string) => original.tiers.find((t: any) => t.key === key);
  const band = (lo: number, hi: number) => ({ all: [{ fact: 'balance', operator: 'greaterThanInclusive', value: lo }, { fact: 'balance', operator: 'lessThan', value: hi }] });
  return {
    appliesTo: original.appliesTo,
    tiers: [
      tier('A'),
      { ...tier('B'), conditions: band(50_000, 200_000) },
      { ...tier('C'), conditions: band(10_000, 50_000) },
      { ...tier('D'), conditions: { all: [{ fact: 'balance', operator: 'lessThan', value: 10_000 }] } },
    ],
  };
}

describe('rule authoring through GraphQL', () => {
  let app: TestApp;
  let lead: string; // EDITOR + APPROVER: edits, so may not approve the same draft
  let editor: string;
  let approver: string;
  let viewer: string;
  const customerIds: string[] = [];

  beforeAll(async () => {
    // Jobs are run by the tests themselves, so they can stop one half-way.
    app = await startTestApp({ retier: { start: false } });
    [lead, editor, approver, viewer] = await Promise.all([
      app.keyWithRoles(Role.EDITOR, Role.APPROVER),
      app.keyWithRoles(Role.EDITOR),
      app.keyWithRoles(Role.APPROVER),
      app.keyWithRoles(Role.VIEWER),
    ]);
    for (const [i, balance] of [...BALANCES, ...BALANCES, ...BALANCES].entries()) {
      const res = await app.gql(`mutation($input: CustomerUpsertInput!) { customerUpsert(input: $input) { customer { id } userErrors { message } } }`, {
        input: { externalId: `author-${i}`, name: `Customer ${i}`, facts: { customerType: 'individual', balance } },
      });
      customerIds.push(res.data.customerUpsert.customer.id);
    }
    await app.gql(`mutation { customerUpsert(input: { externalId: "corp-1", name: "Corp", facts: { customerType: "corporate", annualSales: 1000000 } }) { userErrors { message } } }`);
  });
  afterAll(() => app.close());

  const draftOf = async (id: string, key = lead) => (await app.gql(`query($id: ID!) { ruleDraft(id: $id) { ${DRAFT_FIELDS} } }`, { id }, key)).data.ruleDraft;

  /** Every customer's shown tier must equal the tier lists filtered by tier put them in. */
  async function expectListsAgreeWithShownTiers(): Promise<void> {
    const shown = new Map<string, string | null>();
    const res = await app.gql(`{ customers(first: 100) { edges { node { id tier(programKey: "${PROGRAM}") { tier { key } } } } } }`);
    for (const { node } of res.data.customers.edges) if (node.tier) shown.set(node.id, node.tier.tier?.key ?? null);
    const program = await app.gql(`{ tierProgram(key: "${PROGRAM}") { tiers { key } distribution { tierKey count } } }`);
    const listed = new Map<string, string>();
    for (const { key } of program.data.tierProgram.tiers) {
      const page = await app.gql(`{ customers(first: 100, filter: { programKey: "${PROGRAM}", tierKey: "${key}" }) { totalCount edges { node { id } } } }`);
      for (const { node } of page.data.customers.edges) listed.set(node.id, key);
      expect(page.data.customers.totalCount).toBe(page.data.customers.edges.length);
    }
    for (const [id, tierKey] of shown) expect([id, listed.get(id) ?? null]).toEqual([id, tierKey]);
    expect(listed.size).toBe([...shown.values()].filter((k) => k !== null).length);
    const counted = Object.fromEntries(program.data.tierProgram.distribution.map((d: any) => [d.tierKey ?? 'none', d.count]));
    const expected: Record<string, number> = { none: 0 };
    for (const { key } of program.data.tierProgram.tiers) expected[key] = 0;
    for (const tierKey of shown.values()) expected[tierKey ?? 'none'] += 1;
    expect(counted).toEqual(expected);
  }

  async function historyRows(): Promise<{ customer_id: string; rule_version: number; from_tier_key: string | null; to_tier_key: string | null }[]> {
    return app.db.dataSource.query(`SELECT customer_id, rule_version, from_tier_key, to_tier_key FROM tier_change WHERE cause = 'RULE_PUBLISH' AND rule_version > 1 ORDER BY id`);
  }

  it('walks a product owner from draft to publish, re-tier, diff, audit and rollback', async () => {
    // Open a draft: a copy of the version in force.
    const opened = await app.gql(`mutation { ruleDraftCreate(programKey: "${PROGRAM}") { ${DRAFT_PAYLOAD} } }`, {}, lead);
    expect(opened.data.ruleDraftCreate.userErrors).toEqual([]);
    const draft = opened.data.ruleDraftCreate.draft;
    expect([draft.revision, draft.status, draft.baseVersion]).toEqual([1, 'EDITING', 1]);
    const original = draft.document;

    // An invalid edit is refused with the exact place and reason, and nothing is stored.
    const broken = bandedDocument(original);
    broken.tiers[1].conditions.all[0].value = 'fifty thousand';
    const invalid = await app.gql(`mutation($id: ID!, $doc: JSONObject!) { ruleDraftUpdate(id: $id, revision: 1, document: $doc) { ${DRAFT_PAYLOAD} } }`, { id: draft.id, doc: broken }, lead);
    expect(invalid.data.ruleDraftUpdate.draft).toBeNull();
    expect(invalid.data.ruleDraftUpdate.userErrors).toEqual([
      { code: 'TYPE_MISMATCH', field: ['document', 'tiers', '1', 'conditions', 'all', '0', 'value'], message: expect.stringContaining('expected a finite number') },
    ]);
    expect((await draftOf(draft.id)).revision).toBe(1);

    // Fixed: accepted, with the gap DOMAIN.md warns about.
    const fixed = await app.gql(`mutation($id: ID!, $doc: JSONObject!) { ruleDraftUpdate(id: $id, revision: 1, document: $doc) { ${DRAFT_PAYLOAD} } }`, { id: draft.id, doc: bandedDocument(original) }, lead);
    expect(fixed.data.ruleDraftUpdate.userErrors).toEqual([]);
    const edited = fixed.data.ruleDraftUpdate.draft;
    expect(edited.revision).toBe(2);
    expect(edited.validation.errors).toEqual([]);
    expect(edited.validation.warnings).toContainEqual({
      code: 'COVERAGE_GAP',
      field: ['document', 'tiers'],
      message: expect.stringContaining('balance from 200,000 up to 500,000 (not included) match no tier'),
    });

    // One tier at a time: an edit on a stale revision is refused, the current one applies.
    const tierA = { key: 'A', name: 'High-end', rank: 5, conditions: { all: [{ fact: 'balance', operator: 'greaterThanInclusive', value: 600_000 }] }, entitlements: original.tiers[0].entitlements };
    const tierEdit = `mutation($id: ID!, $rev: Int!, $tier: TierInput!) { ruleDraftTierUpdate(id: $id, revision: $rev, tierKey: "A", tier: $tier) { ${DRAFT_PAYLOAD} } }`;
    const stale = await app.gql(tierEdit, { id: draft.id, rev: 1, tier: tierA }, lead);
    expect(stale.data.ruleDraftTierUpdate.userErrors).toEqual([{ code: 'CONFLICT', field: ['revision'], message: expect.stringContaining('revision 2, not 1') }]);
    const badTier = await app.gql(tierEdit, { id: draft.id, rev: 2, tier: { ...tierA, conditions: { all: [{ fact: 'balanse', operator: 'greaterThan', value: 1 }] } } }, lead);
    expect(badTier.data.ruleDraftTierUpdate.userErrors).toEqual([{ code: 'UNKNOWN_FACT', field: ['tier', 'conditions', 'all', '0', 'fact'], message: expect.any(String) }]);
    const tiered = await app.gql(tierEdit, { id: draft.id, rev: 2, tier: tierA }, lead);
    expect(tiered.data.ruleDraftTierUpdate.draft.revision).toBe(3);

    // Test cases: a failing one shows and blocks publishing; the passing one stays.
    const addCase = `mutation($id: ID!, $rev: Int!, $tc: RuleTestCaseInput!) { ruleDraftTestCaseAdd(id: $id, revision: $rev, testCase: $tc) { ${DRAFT_PAYLOAD} } }`;
    await app.gql(addCase, { id: draft.id, rev: 3, tc: { name: 'wealthy', facts: { customerType: 'individual', balance: 700_000 }, expectedTierKey: 'A' } }, lead);
    const failing = await app.gql(addCase, { id: draft.id, rev: 4, tc: { name: 'gap', facts: { customerType: 'individual', balance: 300_000 }, expectedTierKey: 'B' } }, lead);
    expect(failing.data.ruleDraftTestCaseAdd.draft.validation.testResults).toEqual([
      { name: 'wealthy', expectedTierKey: 'A', expectedTier: { key: 'A', rank: 5 }, actualTierKey: 'A', actualTier: { key: 'A', rank: 5 }, passed: true },
      { name: 'gap', expectedTierKey: 'B', expectedTier: { key: 'B', rank: 3 }, actualTierKey: null, actualTier: null, passed: false },
    ]);
    expect(failing.data.ruleDraftTestCaseAdd.draft.validation.publishable).toBe(false);
    // The draft's tiers, typed, as its document has them, highest rank first.
    const { tiers: draftTiers, document } = failing.data.ruleDraftTestCaseAdd.draft;
    expect(draftTiers.map((t: any) => t.rank)).toEqual([...document.tiers.map((t: any) => t.rank)].sort((a, b) => b - a));
    expect(draftTiers[0]).toMatchObject({ key: 'A', conditions: tierA.conditions });
    expect(draftTiers[0].entitlements.find((e: any) => e.key === 'feeDiscountPct')).toEqual({ key: 'feeDiscountPct', value: 50, typedValue: { display: '50 %' }, definition: { key: 'feeDiscountPct' } });
    const badFacts = await app.gql(addCase, { id: draft.id, rev: 5, tc: { name: 'typo', facts: { balance: 'lots' }, expectedTierKey: 'A' } }, lead);
    expect(badFacts.data.ruleDraftTestCaseAdd.userErrors).toEqual([{ code: 'TYPE_MISMATCH', field: ['testCase', 'facts', 'balance'], message: expect.any(String) }]);
    await app.gql(`mutation($id: ID!) { ruleDraftTestCaseRemove(id: $id, revision: 5, name: "gap") { userErrors { message } } }`, { id: draft.id }, lead);

    // Impact preview over every customer: who moves from which tier to which.
    const simulated = await app.gql(
      `query($id: ID!) { ruleDraftSimulate(id: $id, sampleSize: 2) { customers moving movements { fromTierKey fromTier { key } fromCovered toTierKey toTier { key name } toCovered count
         sample { facts } entitlementsGained { key before after } entitlementsLost { key before after } } } }`,
      { id: draft.id },
      lead,
    );
    const sim = simulated.data.ruleDraftSimulate;
    for (const m of sim.movements) expect([m.fromTier?.key ?? null, m.toTier?.key ?? null]).toEqual([m.fromTierKey, m.toTierKey]);
    expect(sim.movements.find((m: any) => m.toTierKey === 'A').toTier.name).toBe('High-end');
    const per = 3; // each balance appears three times
    const cell = (from: string | null, to: string | null) => sim.movements.find((m: any) => m.fromTierKey === from && m.toTierKey === to && m.fromCovered && m.toCovered);
    expect(sim.customers).toBe(BALANCES.length * 3 + 1);
    // A at 500,000 and 550,000 drops out (A now starts at 600,000); A_SUB's band is the gap.
    expect(cell('A', null).count).toBe(2 * per);
    expect(cell('A_SUB', null).count).toBe(3 * per);
    expect(cell('A_SUB', null).sample.every((c: any) => c.facts.balance >= 200_000 && c.facts.balance < 500_000)).toBe(true);
    expect(cell('A_SUB', null).sample).toHaveLength(2);
    expect(cell('A_SUB', null).entitlementsLost.map((e: any) => e.key)).toEqual(['dedicatedManager', 'feeDiscountPct', 'priorityCounter', 'responseHours', 'wealthSalon']);
    expect(cell('A', 'A').count).toBe(2 * per);
    expect(cell('A', 'A').sample).toEqual([]);
    expect(sim.movements.find((m: any) => !m.fromCovered && !m.toCovered).count).toBe(1);
    expect(sim.moving).toBe(5 * per);

    // Submit; the lead edited last, so four-eyes refuses their approval.
    const submitted = await app.gql(`mutation($id: ID!) { ruleDraftSubmit(id: $id, revision: 6) { ${DRAFT_PAYLOAD} } }`, { id: draft.id }, lead);
    expect(submitted.data.ruleDraftSubmit.draft.status).toBe('SUBMITTED');
    const own = await app.gql(`mutation($id: ID!) { ruleDraftApprove(id: $id, revision: 7) { ${DRAFT_PAYLOAD} } }`, { id: draft.id }, lead);
    expect(own.data.ruleDraftApprove.userErrors).toEqual([{ code: 'SELF_APPROVAL', field: ['id'], message: expect.stringContaining('four-eyes') }]);
    const notApprover = await app.gql(`mutation($id: ID!) { ruleDraftApprove(id: $id, revision: 7) { ${DRAFT_PAYLOAD} } }`, { id: draft.id }, editor);
    expect(notApprover.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const approved = await app.gql(`mutation($id: ID!) { ruleDraftApprove(id: $id, revision: 7) { ${DRAFT_PAYLOAD} } }`, { id: draft.id }, approver);
    expect([approved.data.ruleDraftApprove.draft.status, approved.data.ruleDraftApprove.draft.approvedBy]).toEqual(['APPROVED', 'test APPROVER']);

    // Publish: a new version and a background job; reads follow the new rules at once.
    await expectListsAgreeWithShownTiers();
    const published = await app.gql(
      `mutation($id: ID!) { ruleDraftPublish(id: $id) { draft { status } version { version status } retierJob { id status total } userErrors { code field message } } }`,
      { id: draft.id },
      approver,
    );
    const publish = published.data.ruleDraftPublish;
    expect(publish.userErrors).toEqual([]);
    expect([publish.draft.status, publish.version.version, publish.retierJob.status]).toEqual(['PUBLISHED', 2, 'PENDING']);
    const gapCustomer = await app.gql(`{ customer(externalId: "author-9") { facts tier(programKey: "${PROGRAM}") { tier { key } ruleVersion } } }`);
    expect(gapCustomer.data.customer.tier).toEqual({ tier: null, ruleVersion: 2 });
    await expectListsAgreeWithShownTiers();

    // The job crashes after two chunks: lists still agree, and a restart finishes it exactly once.
    const crashing = new RetierRunner(app.strata.deps, app.strata.services.retierStage, {
      chunkSize: 7,
      beforeCommit: ({ index }) => {
        if (index === 2) throw new Error('simulated crash');
      },
    });
    await crashing.drain();
    const halfway = await app.gql(`query($id: ID!) { retierJob(id: $id) { status processed changed total attempts } }`, { id: publish.retierJob.id }, lead);
    // Every customer was classified in one statement; two chunks of 7 staged changes were written.
    expect(halfway.data.retierJob).toMatchObject({ status: 'RUNNING', processed: BALANCES.length * 3 + 1, changed: 14, attempts: 1 });
    await expectListsAgreeWithShownTiers();
    await app.db.dataSource.query(`UPDATE retier_job SET lease_until = now() - interval '1 second'`);
    await new RetierRunner(app.strata.deps, app.strata.services.retierStage, { chunkSize: 7 }).drain();
    const finished = await app.gql(`query($id: ID!) { retierJob(id: $id) { status processed changed total attempts } }`, { id: publish.retierJob.id }, lead);
    expect(finished.data.retierJob).toEqual({ status: 'DONE', processed: BALANCES.length * 3 + 1, changed: 5 * per, total: BALANCES.length * 3 + 1, attempts: 2 });
    const rows = await historyRows();
    expect(rows).toHaveLength(5 * per);
    expect(new Set(rows.map((r) => r.customer_id)).size).toBe(rows.length);
    expect(rows.every((r) => r.rule_version === 2 && r.to_tier_key === null && ['A', 'A_SUB'].includes(r.from_tier_key!))).toBe(true);
    await expectListsAgreeWithShownTiers();

    // Diff, readable per tier.
    const diff = await app.gql(`{ ruleSetDiff(programKey: "${PROGRAM}", fromVersion: 1, toVersion: 2) { from to tiers { tierKey change lines } } }`, {}, lead);
    const tiers = Object.fromEntries(diff.data.ruleSetDiff.tiers.map((t: any) => [t.tierKey, t]));
    expect(tiers.A).toEqual({ tierKey: 'A', change: 'CHANGED', lines: ['rule: balance ≥ 500,000 → balance ≥ 600,000'] });
    expect(tiers.B.lines).toEqual(['rule: balance ≥ 50,000 → balance ≥ 50,000 AND balance < 200,000']);
    expect(tiers.A_SUB.change).toBe('REMOVED');

    // Audit: every step, who and what.
    const audit = await app.gql(`query($key: String) { auditEvents(filter: { entityKey: $key }, first: 20) { totalCount edges { node { action actorName } } } }`, { key: draft.id }, viewer);
    expect(audit.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const log = await app.gql(`query($key: String) { auditEvents(filter: { entityKey: $key }, first: 20) { totalCount edges { node { action actorName } } } }`, { key: draft.id }, lead);
    expect(log.data.auditEvents.edges.map((e: any) => e.node.action)).toEqual([
      'ruleDraftApprove',
      'ruleDraftSubmit',
      'ruleDraftTestCaseRemove',
      'ruleDraftTestCaseAdd',
      'ruleDraftTestCaseAdd',
      'ruleDraftTierUpdate',
      'ruleDraftUpdate',
      'ruleDraftCreate',
    ]);
    const programLog = await app.gql(`{ auditEvents(filter: { entityType: "PROGRAM", entityKey: "${PROGRAM}" }) { edges { node { action actorName after } } } }`, {}, approver);
    expect(programLog.data.auditEvents.edges[0].node).toMatchObject({ action: 'ruleDraftPublish', actorName: 'test APPROVER', after: { version: 2, draftId: draft.id } });

    // Rollback publishes version 1's document as version 3.
    const rolled = await app.gql(`mutation { ruleSetRollback(programKey: "${PROGRAM}", version: 1) { version { version } retierJob { id } userErrors { message } } }`, {}, approver);
    expect(rolled.data.ruleSetRollback.version.version).toBe(3);
    await app.strata.runner.drain();
    const back = await app.gql(`{ customer(externalId: "author-9") { tier(programKey: "${PROGRAM}") { tier { key } ruleVersion } } }`);
    expect(back.data.customer.tier).toEqual({ tier: { key: 'A_SUB' }, ruleVersion: 3 });
    const versions = await app.gql(`{ tierProgram(key: "${PROGRAM}") { publishedVersion { version } versions { version status publishedBy approvedBy } latestRetierJob { status changed } } }`, {}, lead);
    expect(versions.data.tierProgram).toEqual({
      publishedVersion: { version: 3 },
      versions: [
        { version: 3, status: 'PUBLISHED', publishedBy: 'test APPROVER', approvedBy: null },
        { version: 2, status: 'SUPERSEDED', publishedBy: 'test APPROVER', approvedBy: 'test APPROVER' },
        { version: 1, status: 'SUPERSEDED', publishedBy: 'test', approvedBy: null },
      ],
      latestRetierJob: { status: 'DONE', changed: 5 * per },
    });
    expect((await historyRows()).filter((r) => r.rule_version === 3)).toHaveLength(5 * per);
    await expectListsAgreeWithShownTiers();
  });

  it('loses no edit when two editors save the same revision at once', async () => {
    const opened = await app.gql(`mutation { ruleDraftCreate(programKey: "telecom-group") { ${DRAFT_PAYLOAD} } }`, {}, editor);
    const draft = opened.data.ruleDraftCreate.draft;
    const rename = (name: string) => ({ ...draft.document, tiers: draft.document.tiers.map((t: any, i: number) => (i === 0 ? { ...t, name } : t)) });
    const save = (name: string, key: string) =>
      app.gql(`mutation($id: ID!, $doc: JSONObject!) { ruleDraftUpdate(id: $id, revision: 1, document: $doc) { ${DRAFT_PAYLOAD} } }`, { id: draft.id, doc: rename(name) }, key);
    const results = await Promise.all([save('First', editor), save('Second', lead), save('Third', editor), save('Fourth', lead)]);
    const winners = results.filter((r) => r.data.ruleDraftUpdate.userErrors.length === 0);
    const losers = results.filter((r) => r.data.ruleDraftUpdate.userErrors.length > 0);
    expect(winners).toHaveLength(1);
    expect(losers.every((r) => r.data.ruleDraftUpdate.userErrors[0].code === 'CONFLICT')).toBe(true);
    const stored = await draftOf(draft.id);
    expect(stored.revision).toBe(2);
    expect(stored.document.tiers[0].name).toBe(winners[0].data.ruleDraftUpdate.draft.document.tiers[0].name);
  });

  it('withdraws an approval when the draft is edited again, and keeps one open draft per program', async () => {
    const opened = await app.gql(`mutation { ruleDraftCreate(programKey: "corporate-banking") { ${DRAFT_PAYLOAD} } }`, {}, editor);
    const draft = opened.data.ruleDraftCreate.draft;
    const second = await app.gql(`mutation { ruleDraftCreate(programKey: "corporate-banking") { ${DRAFT_PAYLOAD} } }`, {}, editor);
    expect(second.data.ruleDraftCreate.userErrors[0]).toMatchObject({ code: 'CONFLICT', field: ['programKey'] });
    await app.gql(`mutation($id: ID!) { ruleDraftSubmit(id: $id, revision: 1) { userErrors { message } } }`, { id: draft.id }, editor);
    const approved = await app.gql(`mutation($id: ID!) { ruleDraftApprove(id: $id, revision: 2) { ${DRAFT_PAYLOAD} } }`, { id: draft.id }, approver);
    expect(approved.data.ruleDraftApprove.draft.status).toBe('APPROVED');
    const edited = await app.gql(`mutation($id: ID!, $doc: JSONObject!) { ruleDraftUpdate(id: $id, revision: 3, document: $doc) { ${DRAFT_PAYLOAD} } }`, { id: draft.id, doc: draft.document }, editor);
    expect([edited.data.ruleDraftUpdate.draft.status, edited.data.ruleDraftUpdate.draft.approvedBy]).toEqual(['EDITING', null]);
    const publish = await app.gql(`mutation($id: ID!) { ruleDraftPublish(id: $id) { userErrors { code message } } }`, { id: draft.id }, approver);
    expect(publish.data.ruleDraftPublish.userErrors[0]).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('only an APPROVED draft') });
  });
});
