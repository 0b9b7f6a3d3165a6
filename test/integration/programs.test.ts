import { seedDemoCustomers } from '../../src/demo/seed';
import { MAX_PROGRAMS } from '../../src/programs/program.service';
import { Role } from '../../src/shared/role';
import { TestApp, startTestApp } from '../helpers/app';
import { createPublishedProgram, retiered, submitApprovePublish } from '../helpers/programs';

const PROGRAM_FIELDS = 'key name tiers { key rank conditions entitlements { entitlement { key } value } } publishedVersion { version status document publishedAt } distribution { tierKey count share }';
const CREATE = `mutation($input: TierProgramCreateInput!) {
  tierProgramCreate(input: $input) {
    program { ${PROGRAM_FIELDS} }
    draft { id status baseVersion }
    userErrors { code field message }
  }
}`;

const loyalty = (overrides: Record<string, unknown> = {}) => ({
  key: 'loyalty',
  name: 'Loyalty by tenure',
  appliesTo: { all: [{ fact: 'customerType', operator: 'equal', value: 'individual' }] },
  tiers: [
    { key: 'GOLD', name: 'Gold', rank: 2, conditions: { all: [{ fact: 'tenureMonths', operator: 'greaterThanInclusive', value: 60 }] }, entitlements: [{ key: 'feeDiscountPct', value: 60 }] },
    { key: 'MEMBER', name: 'Member', rank: 1, conditions: { all: [] } },
  ],
  ...overrides,
});

describe('tier programs over GraphQL', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('lists the programs from rules/ with tiers highest rank first and their version', async () => {
    const res = await app.gql(`{ tierPrograms { key tiers { key rank } publishedVersion { version status } } tierProgram(key: "telecom-group") { tiers { key } } }`);
    expect(res.data.tierPrograms.map((p: { key: string }) => p.key)).toEqual(['corporate-banking', 'retail-bank', 'telecom-group']);
    const retail = res.data.tierPrograms[1];
    expect(retail.tiers.map((t: { key: string }) => t.key)).toEqual(['A', 'A_SUB', 'B', 'C', 'D']);
    expect(retail.publishedVersion).toEqual({ version: 1, status: 'PUBLISHED' });
    expect(res.data.tierProgram.tiers.map((t: { key: string }) => t.key)).toEqual(['A1', 'A2', 'B1', 'B2', 'C']);
  });

  it('creates a program as a draft that reaches no customer until another key approves and publishes it', async () => {
    const editor = await app.keyWithRoles(Role.EDITOR, Role.APPROVER);
    const res = await app.gql(CREATE, { input: loyalty({ key: 'everyone-free', tiers: [{ key: 'ALL', name: 'All', rank: 1, conditions: { all: [] }, entitlements: [{ key: 'feeDiscountPct', value: 100 }] }] }) }, editor);
    const { program, draft, userErrors } = res.data.tierProgramCreate;
    expect(userErrors).toEqual([]);
    expect(program).toMatchObject({ key: 'everyone-free', publishedVersion: null, tiers: [], distribution: [] });
    expect(draft).toMatchObject({ status: 'EDITING', baseVersion: 0 });
    const card = await app.gql(`{ customers(first: 100) { edges { node { entitlements { key value } } } } }`);
    expect(card.data.customers.edges.flatMap((e: any) => e.node.entitlements).filter((e: any) => e.key === 'feeDiscountPct' && e.value === 100)).toEqual([]);
    const submitted = await app.gql(`mutation($id: ID!) { ruleDraftSubmit(id: $id, revision: 1) { userErrors { code } } }`, { id: draft.id }, editor);
    expect(submitted.data.ruleDraftSubmit.userErrors).toEqual([]);
    const approved = await app.gql(`mutation($id: ID!) { ruleDraftApprove(id: $id, revision: 2) { userErrors { code } } }`, { id: draft.id }, editor);
    expect(approved.data.ruleDraftApprove.userErrors).toEqual([{ code: 'SELF_APPROVAL' }]);
    const simulated = await app.gql(`query($id: ID!) { ruleDraftSimulate(id: $id) { customers moving movements { fromCovered toTierKey count } } }`, { id: draft.id }, editor);
    expect(simulated.data.ruleDraftSimulate.movements.every((m: any) => !m.fromCovered && m.toTierKey === 'ALL')).toBe(true);
    await app.gql(`mutation($id: ID!) { ruleDraftDiscard(id: $id, revision: 2) { userErrors { code } } }`, { id: draft.id }, editor);
  });

  it('publishes a new program after four-eyes approval and assigns the customers that already exist', async () => {
    const upsert = `mutation($input: CustomerUpsertInput!) { customerUpsert(input: $input) { customer { id } } }`;
    await app.gql(upsert, { input: { externalId: 'old-1', name: 'Old', facts: { customerType: 'individual', tenureMonths: 100, balance: 5 } } });
    await app.gql(upsert, { input: { externalId: 'new-1', name: 'New', facts: { customerType: 'individual', tenureMonths: 2 } } });
    await app.gql(upsert, { input: { externalId: 'corp-1', name: 'Corp', facts: { customerType: 'corporate' } } });

    expect((await createPublishedProgram(app, loyalty())).data.tierProgramCreate.userErrors).toEqual([]);
    const payload = (await app.gql(`{ program: tierProgram(key: "loyalty") { ${PROGRAM_FIELDS} } }`)).data;
    expect(payload.program.publishedVersion).toMatchObject({ version: 1, status: 'PUBLISHED', document: { tiers: [expect.objectContaining({ key: 'GOLD' }), expect.objectContaining({ key: 'MEMBER' })] } });
    expect(payload.program.tiers[0]).toMatchObject({ key: 'GOLD', entitlements: [{ entitlement: { key: 'feeDiscountPct' }, value: 60 }] });
    expect(payload.program.distribution).toEqual([
      { tierKey: 'GOLD', count: 1, share: 0.5 },
      { tierKey: 'MEMBER', count: 1, share: 0.5 },
      { tierKey: null, count: 0, share: 0 },
    ]);
    const card = await app.gql(`{ customer(externalId: "old-1") { tier(programKey: "loyalty") { tier { key } } entitlements { key value programKey } tierHistory(programKey: "loyalty") { edges { node { toTierKey cause ruleVersion } } } } }`);
    expect(card.data.customer.tier.tier.key).toBe('GOLD');
    expect(card.data.customer.entitlements).toContainEqual({ key: 'feeDiscountPct', value: 60, programKey: 'loyalty' });
    expect(card.data.customer.tierHistory.edges).toEqual([{ node: { toTierKey: 'GOLD', cause: 'RULE_PUBLISH', ruleVersion: 1 } }]);
    const corp = await app.gql(`{ customer(externalId: "corp-1") { tier(programKey: "loyalty") { tier { key } } } }`);
    expect(corp.data.customer.tier).toBeNull();
  });

  it('refuses a duplicate key with CONFLICT and writes nothing', async () => {
    const res = await app.gql(CREATE, { input: loyalty({ key: 'retail-bank' }) });
    expect(res.data.tierProgramCreate).toEqual({
      program: null,
      draft: null,
      userErrors: [{ code: 'CONFLICT', field: ['input', 'key'], message: 'a tier program with key "retail-bank" already exists' }],
    });
  });

  it.each([
    ['conditions', ['conditions']],
    ['the older rule: { conditions }', ['rule', 'conditions']],
  ])('points at the exact place of every problem in a rule document written as %s, and stores nothing', async (_shape, at) => {
    const input = loyalty({ key: 'broken' });
    const conditions = { all: [{ fact: 'tenure', operator: 'greaterThanInclusive', value: 60 }, { fact: 'balance', operator: 'in', value: 5 }] };
    const tier0: Record<string, unknown> = input.tiers[0];
    delete tier0.conditions;
    if (at.length === 1) tier0.conditions = conditions;
    else tier0.rule = { conditions };
    (input.tiers[1] as Record<string, unknown>).rank = 2;
    (input.tiers[1] as Record<string, unknown>).entitlements = [{ key: 'lounge', value: true }];
    const res = await app.gql(CREATE, { input });
    expect(res.data.tierProgramCreate.program).toBeNull();
    expect(res.data.tierProgramCreate.userErrors).toEqual([
      { code: 'UNKNOWN_FACT', field: ['input', 'tiers', '0', ...at, 'all', '0', 'fact'], message: expect.stringContaining('"tenure"') },
      { code: 'TYPE_MISMATCH', field: ['input', 'tiers', '0', ...at, 'all', '1', 'value'], message: expect.stringContaining('list') },
      { code: 'INVALID', field: ['input', 'tiers', '1', 'rank'], message: expect.stringContaining('unique') },
      { code: 'UNKNOWN_ENTITLEMENT', field: ['input', 'tiers', '1', 'entitlements', '0', 'key'], message: expect.stringContaining('"lounge"') },
    ]);
    const [{ n }] = await app.db.dataSource.query("SELECT count(*)::int AS n FROM tier_program WHERE key = 'broken'");
    expect(n).toBe(0);
  });

  it('evaluates what-if facts without writing anything', async () => {
    const before = await app.db.dataSource.query('SELECT count(*)::int AS n FROM tier_change');
    const res = await app.gql(`query($facts: JSONObject!) { evaluate(programKey: "telecom-group", facts: $facts) { program { key } tier { key name } ruleVersion explanation { matchedTierKey outcomes { tierKey passed } } } }`, {
      facts: { customerType: 'telecom_group', industry: 'government', valueScore: 55 },
    });
    expect(res.data.evaluate).toMatchObject({ program: { key: 'telecom-group' }, tier: { key: 'A2' }, ruleVersion: 1, explanation: { matchedTierKey: 'A2' } });
    expect(await app.db.dataSource.query('SELECT count(*)::int AS n FROM tier_change')).toEqual(before);

    const unknown = await app.gql(`{ evaluate(programKey: "nope", facts: {}) { ruleVersion } }`);
    expect(unknown.errors?.[0]).toMatchObject({ message: 'no tier program with key "nope"', extensions: { code: 'NOT_FOUND' } });
    const mistyped = await app.gql(`{ evaluate(programKey: "retail-bank", facts: { balance: "lots" }) { ruleVersion } }`);
    expect(mistyped.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('facts.balance') });
  });

  it('defines facts and entitlements; their types never change', async () => {
    const define = `mutation($input: FactDefineInput!) { factDefine(input: $input) { fact { key type unit description } userErrors { code field message } } }`;
    const ok = await app.gql(define, { input: { key: 'npsScore', type: 'NUMBER', unit: 'points' } });
    expect(ok.data.factDefine).toEqual({ fact: { key: 'npsScore', type: 'NUMBER', unit: 'points', description: null }, userErrors: [] });
    const changed = await app.gql(define, { input: { key: 'npsScore', type: 'STRING' } });
    expect(changed.data.factDefine.userErrors).toEqual([expect.objectContaining({ code: 'CONFLICT', field: ['input', 'type'] })]);
    const badKey = await app.gql(define, { input: { key: 'Bad Key', type: 'STRING' } });
    expect(badKey.data.factDefine.userErrors).toEqual([expect.objectContaining({ code: 'INVALID', field: ['input', 'key'] })]);
    const facts = await app.gql(`{ factDefinitions { key type } }`);
    expect(facts.data.factDefinitions).toContainEqual({ key: 'npsScore', type: 'NUMBER' });

    const entitlement = `mutation($input: EntitlementDefineInput!) { entitlementDefine(input: $input) { entitlement { key valueType better } userErrors { code field } } }`;
    const lounge = await app.gql(entitlement, { input: { key: 'airportLounge', name: 'Airport lounge', valueType: 'NUMBER' } });
    expect(lounge.data.entitlementDefine).toEqual({ entitlement: { key: 'airportLounge', valueType: 'NUMBER', better: 'HIGHER' }, userErrors: [] });
    const flipped = await app.gql(entitlement, { input: { key: 'airportLounge', name: 'Airport lounge', valueType: 'NUMBER', better: 'LOWER' } });
    expect(flipped.data.entitlementDefine.userErrors).toEqual([{ code: 'CONFLICT', field: ['input', 'valueType'] }]);
    const betterOnBool = await app.gql(entitlement, { input: { key: 'spa', name: 'Spa', valueType: 'BOOLEAN', better: 'HIGHER' } });
    expect(betterOnBool.data.entitlementDefine.userErrors).toEqual([{ code: 'INVALID', field: ['input', 'better'] }]);
  });
});

describe('publishing a new program while customers are written', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
    // Enough customers that assigning them all takes a while, so writes land meanwhile.
    await seedDemoCustomers(app.systemContext(), app.strata.services, 3_000);
  });
  afterAll(() => app.close());

  it('leaves no customer without an assignment in the new program', async () => {
    const upsert = `mutation($input: CustomerUpsertInput!) { customerUpsert(input: $input) { userErrors { code } } }`;
    const created = createPublishedProgram(app, loyalty());
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      writes.push(app.gql(upsert, { input: { externalId: `race-${i}`, name: 'R', facts: { customerType: 'individual', tenureMonths: i * 3 } } }));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const results = (await Promise.all([created, ...writes])) as { errors?: unknown }[];
    expect(results.filter((r) => r.errors)).toEqual([]);
    const [{ missing }] = await app.db.dataSource.query(
      `SELECT count(*)::int AS missing FROM customer c
        WHERE c.facts->>'customerType' = 'individual'
          AND NOT EXISTS (SELECT 1 FROM tier_assignment a JOIN tier_program p ON p.id = a.program_id WHERE a.customer_id = c.id AND p.key = 'loyalty')`,
    );
    expect(missing).toBe(0);
  });
});

describe('the number of programs', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ ruleFiles: false, retier: { start: false } });
  });
  afterAll(() => app.close());

  it(`stops at ${MAX_PROGRAMS}, concurrent creations included, with LIMIT_REACHED and nothing stored`, async () => {
    // No facts or entitlements: this app has no catalogs.
    const input = (i: number) => ({ key: `p-${i}`, name: `P ${i}`, tiers: [{ key: 'ALL', name: 'All', rank: 1, conditions: { all: [] } }] });
    const create = (i: number) => app.gql(CREATE, { input: input(i) });
    const results = await Promise.all(Array.from({ length: MAX_PROGRAMS + 3 }, (_, i) => create(i)));
    const refused = results.filter((r) => r.data.tierProgramCreate.userErrors.length);
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      expect(r.data.tierProgramCreate.userErrors).toEqual([{ code: 'LIMIT_REACHED', field: ['input', 'key'], message: expect.stringContaining(`${MAX_PROGRAMS}`) }]);
      expect(r.data.tierProgramCreate.program).toBeNull();
    }
    const [{ programs }] = await app.db.dataSource.query(`SELECT count(*)::int AS programs FROM tier_program`);
    expect(programs).toBe(MAX_PROGRAMS);

    // A retired program frees its place; the others (in force or awaiting their first publish) keep theirs.
    const [draft] = await app.db.dataSource.query(`SELECT d.id, d.revision FROM rule_draft d JOIN tier_program p ON p.id = d.program_id WHERE p.key = 'p-0'`);
    await submitApprovePublish(app, draft);
    expect((await create(100)).data.tierProgramCreate.userErrors).toEqual([expect.objectContaining({ code: 'LIMIT_REACHED' })]);
    const retirement = await app.gql(`mutation { tierProgramRetire(programKey: "p-0") { draft { id revision } userErrors { code message } } }`);
    await submitApprovePublish(app, retirement.data.tierProgramRetire.draft);
    expect((await create(100)).data.tierProgramCreate.userErrors).toEqual([]);
  });
});

describe('retiring a program', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('goes through a draft, the impact preview and another key\'s approval; once published the program covers nobody, with a history row per customer, and a later draft reinstates it', async () => {
    const upsert = `mutation($input: CustomerUpsertInput!) { customerUpsert(input: $input) { customer { id } } }`;
    await app.gql(upsert, { input: { externalId: 'gold-1', name: 'Gold', facts: { customerType: 'individual', tenureMonths: 100 } } });
    await app.gql(upsert, { input: { externalId: 'member-1', name: 'Member', facts: { customerType: 'individual', tenureMonths: 3 } } });
    expect((await createPublishedProgram(app, loyalty())).data.tierProgramCreate.userErrors).toEqual([]);
    const card = `{ customer(externalId: "gold-1") { tier(programKey: "loyalty") { tier { key } } entitlements { key programKey } tierHistory(programKey: "loyalty") { edges { node { fromTierKey toTierKey cause } } } } }`;
    expect((await app.gql(card)).data.customer.tier.tier.key).toBe('GOLD');

    const editor = await app.keyWithRoles(Role.EDITOR, Role.APPROVER);
    const opened = await app.gql(`mutation { tierProgramRetire(programKey: "loyalty") { draft { id revision document validation { errors { message } warnings { code } publishable } } userErrors { code message } } }`, undefined, editor);
    const draft = opened.data.tierProgramRetire.draft;
    expect(opened.data.tierProgramRetire.userErrors).toEqual([]);
    expect(draft.document).toMatchObject({ retired: true, tiers: [expect.objectContaining({ key: 'GOLD' }), expect.objectContaining({ key: 'MEMBER' })] });
    expect(draft.validation).toEqual({ errors: [], warnings: [], publishable: true });
    const preview = await app.gql(`query($id: ID!) { ruleDraftSimulate(id: $id) { moving movements { fromTierKey fromCovered toTierKey toCovered count } } }`, { id: draft.id }, editor);
    const moved = preview.data.ruleDraftSimulate.movements.filter((m: { fromCovered: boolean }) => m.fromCovered);
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.every((m: { toCovered: boolean; toTierKey: string | null }) => !m.toCovered && m.toTierKey === null)).toBe(true);
    expect(preview.data.ruleDraftSimulate.moving).toBe(moved.reduce((n: number, m: { count: number }) => n + m.count, 0));

    await app.gql(`mutation($id: ID!) { ruleDraftSubmit(id: $id, revision: 1) { userErrors { code } } }`, { id: draft.id }, editor);
    const self = await app.gql(`mutation($id: ID!) { ruleDraftApprove(id: $id, revision: 2) { userErrors { code } } }`, { id: draft.id }, editor);
    expect(self.data.ruleDraftApprove.userErrors).toEqual([{ code: 'SELF_APPROVAL' }]);
    expect((await app.gql(card)).data.customer.tier.tier.key).toBe('GOLD');
    const approver = await app.keyWithRoles(Role.APPROVER);
    expect((await app.gql(`mutation($id: ID!) { ruleDraftApprove(id: $id, revision: 2) { userErrors { code } } }`, { id: draft.id }, approver)).data.ruleDraftApprove.userErrors).toEqual([]);
    expect((await app.gql(`mutation($id: ID!) { ruleDraftPublish(id: $id) { userErrors { code } } }`, { id: draft.id }, approver)).data.ruleDraftPublish.userErrors).toEqual([]);
    await retiered(app);

    const after = (await app.gql(card)).data.customer;
    expect(after.tier).toBeNull();
    expect(after.entitlements.filter((e: { programKey: string | null }) => e.programKey === 'loyalty')).toEqual([]);
    expect(after.tierHistory.edges[0].node).toEqual({ fromTierKey: 'GOLD', toTierKey: null, cause: 'RULE_PUBLISH' });
    const [{ assignments }] = await app.db.dataSource.query(`SELECT count(*)::int AS assignments FROM tier_assignment a JOIN tier_program p ON p.id = a.program_id WHERE p.key = 'loyalty'`);
    expect(assignments).toBe(0);
    const listed = await app.gql(`{ tierProgram(key: "loyalty") { retired publishedVersion { version } distribution { tierKey count } } }`);
    expect(listed.data.tierProgram).toMatchObject({ retired: true, publishedVersion: { version: 2 } });
    expect(listed.data.tierProgram.distribution.every((d: { count: number }) => d.count === 0)).toBe(true);
    const again = await app.gql(`mutation { tierProgramRetire(programKey: "loyalty") { draft { id } userErrors { code message } } }`);
    expect(again.data.tierProgramRetire).toEqual({ draft: null, userErrors: [{ code: 'CONFLICT', message: 'program "loyalty" is already retired' }] });
    const audit = await app.db.dataSource.query(`SELECT count(*)::int AS n FROM audit_event WHERE action = 'ruleDraftPublish' AND entity_key = 'loyalty' AND (after->'document'->>'retired')::boolean`);
    expect(audit).toEqual([{ n: 1 }]);

    // Reinstating is a change like any other.
    const reopened = await app.gql(`mutation { ruleDraftCreate(programKey: "loyalty") { draft { id revision document } userErrors { message } } }`);
    const { id, revision, document } = reopened.data.ruleDraftCreate.draft;
    delete document.retired;
    const updated = await app.gql(`mutation($id: ID!, $revision: Int!, $document: JSONObject!) { ruleDraftUpdate(id: $id, revision: $revision, document: $document) { draft { revision } userErrors { message } } }`, { id, revision, document });
    expect(updated.data.ruleDraftUpdate.userErrors).toEqual([]);
    await submitApprovePublish(app, { id, revision: updated.data.ruleDraftUpdate.draft.revision });
    expect((await app.gql(card)).data.customer.tier.tier.key).toBe('GOLD');
  });
});
