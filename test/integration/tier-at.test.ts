import { Role } from '../../src/shared/role';
import { TestApp, startTestApp } from '../helpers/app';
import { submitApprovePublish } from '../helpers/programs';

const AS_OF = `tierKey rulesTierKey cause tier { key name } version { version } facts change { cause at }
  explanation { matchedTierKey outcomes { tierKey passed } conditions { tierKey fact actual passed } }`;

describe('a tier dispute: the tier a customer showed at a past instant, and why, with the rules and facts of then', () => {
  let app: TestApp;
  let customerId: string;
  const tierAt = async (at: string, programKey = 'retail-bank') =>
    app.gql(`query($id: ID!, $at: DateTime!, $p: String!) { customer(id: $id) { tierAt(programKey: $p, at: $at) { ${AS_OF} } } }`, { id: customerId, at, p: programKey });
  const history = async () =>
    (await app.gql(`query($id: ID!) { customer(id: $id) { tierHistory(programKey: "retail-bank") { edges { node { toTierKey cause ruleVersion at facts } } } } }`, { id: customerId })).data.customer.tierHistory.edges.map(
      (e: { node: { toTierKey: string; cause: string; ruleVersion: number; at: string; facts: Record<string, unknown> } }) => e.node,
    );

  beforeAll(async () => {
    app = await startTestApp();
    const created = await app.gql(`mutation { customerUpsert(input: { externalId: "dispute-at", name: "Mr Then", facts: { customerType: "individual", balance: 600000 } }) { customer { id } } }`);
    customerId = created.data.customerUpsert.customer.id;
    // Last month the balance fell: A → B.
    await app.gql(`mutation($id: ID!) { customerFactsUpdate(id: $id, facts: { balance: 60000 }) { userErrors { message } } }`, { id: customerId });
    // Then the rules changed: B now starts at 100,000, so 60,000 is C (a set-based re-tier writes that row).
    const editor = await app.keyWithRoles(Role.EDITOR);
    const opened = await app.gql(`mutation { ruleDraftCreate(programKey: "retail-bank") { draft { id document } } }`, {}, editor);
    const { id, document } = opened.data.ruleDraftCreate.draft;
    document.tiers.find((t: { key: string }) => t.key === 'B').conditions = { all: [{ fact: 'balance', operator: 'greaterThanInclusive', value: 100_000 }] };
    await app.gql(`mutation($id: ID!, $d: JSONObject!) { ruleDraftUpdate(id: $id, revision: 1, document: $d) { userErrors { message } } }`, { id, d: document }, editor);
    await submitApprovePublish(app, { id, revision: 2 }, editor);
  });
  afterAll(() => app.close());

  it('gives every history row the facts in force at its instant, from single writes and from set-based re-tiers alike', async () => {
    expect((await history()).map(({ toTierKey, cause, ruleVersion, facts }: any) => [toTierKey, cause, ruleVersion, facts.balance])).toEqual([
      ['C', 'RULE_PUBLISH', 2, 60_000],
      ['B', 'CUSTOMER_UPDATE', 1, 60_000],
      ['A', 'CREATED', 1, 600_000],
    ]);
  });

  it('answers each past instant with the tier then, its cause, the version then in force and an explanation under it', async () => {
    const [republished, fell, created] = await history();
    const first = (await tierAt(created.at)).data.customer.tierAt;
    expect(first).toMatchObject({ tierKey: 'A', rulesTierKey: 'A', cause: 'CREATED', tier: { key: 'A', name: 'High-end' }, version: { version: 1 }, facts: { balance: 600_000 } });
    expect(first.explanation.matchedTierKey).toBe('A');

    // Between the fall and the new rules: B, by version 1's rules, on the facts of then. (The new
    // rules are in force from their publish, before the re-tier writes its row: halfway to the
    // publish, not to that row, whatever the re-tier's delay on a loaded machine.)
    const [{ published }] = await app.db.dataSource.query(
      `SELECT v.published_at AS published FROM rule_set_version v JOIN tier_program p ON p.id = v.program_id WHERE p.key = 'retail-bank' AND v.version = 2`,
    );
    expect(Date.parse(fell.at)).toBeLessThan(published.getTime());
    expect(published.getTime()).toBeLessThanOrEqual(Date.parse(republished.at));
    const between = new Date((Date.parse(fell.at) + published.getTime()) / 2).toISOString();
    const dispute = (await tierAt(between)).data.customer.tierAt;
    expect(dispute).toMatchObject({ tierKey: 'B', cause: 'CUSTOMER_UPDATE', version: { version: 1 }, facts: { balance: 60_000 }, change: { cause: 'CUSTOMER_UPDATE', at: fell.at } });
    expect(dispute.explanation.matchedTierKey).toBe('B');
    expect(dispute.explanation.outcomes.find((o: { tierKey: string }) => o.tierKey === 'B').passed).toBe(true);

    // Now: C under version 2, whose B asks for 100,000.
    const now = (await tierAt(new Date().toISOString())).data.customer.tierAt;
    expect(now).toMatchObject({ tierKey: 'C', cause: 'RULE_PUBLISH', version: { version: 2 } });
    expect(now.explanation.outcomes.find((o: { tierKey: string }) => o.tierKey === 'B').passed).toBe(false);
    // The card and the dispute agree about now.
    const card = await app.gql(`query($id: ID!) { customer(id: $id) { tier(programKey: "retail-bank") { tier { key } ruleVersion } } }`, { id: customerId });
    expect(card.data.customer.tier).toEqual({ tier: { key: 'C' }, ruleVersion: 2 });
  });

  it('has nothing to say before the customer was tiered, and refuses the future and unknown programs', async () => {
    const before = (await tierAt('2001-01-01T00:00:00Z')).data.customer.tierAt;
    expect(before).toEqual({ tierKey: null, rulesTierKey: null, cause: null, tier: null, version: null, facts: null, change: null, explanation: null });
    const future = await tierAt(new Date(Date.now() + 86_400_000).toISOString());
    expect(future.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/^at: .* is in the future/) });
    const unknown = await tierAt(new Date().toISOString(), 'no-such-program');
    expect(unknown.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('keeps each change of facts once, so a dispute sees facts that changed without changing the tier', async () => {
    const factsHistory = async () =>
      (await app.db.dataSource.query(`SELECT facts->>'balance' AS balance FROM facts_change WHERE customer_id = $1 ORDER BY at, id`, [customerId])).map(
        (r: { balance: string }) => Number(r.balance),
      );
    expect(await factsHistory()).toEqual([600_000, 60_000]);
    // The same facts pushed again change nothing; a balance still in C is a change of facts, not of tier.
    const push = (balance: number) =>
      app.gql(`mutation($b: Float!) { customerUpsert(input: { externalId: "dispute-at", name: "Mr Then", facts: { customerType: "individual", balance: $b } }) { tierChanges { cause } } }`, {
        b: balance,
      });
    expect((await push(60_000)).data.customerUpsert.tierChanges).toEqual([]);
    expect(await factsHistory()).toEqual([600_000, 60_000]);
    const [republished] = await history();
    expect((await push(61_000)).data.customerUpsert.tierChanges).toEqual([]);
    expect(await factsHistory()).toEqual([600_000, 60_000, 61_000]);

    // The last change stands, with the facts of its own instant; the dispute about now has the facts of now.
    const now = (await tierAt(new Date().toISOString())).data.customer.tierAt;
    expect(now).toMatchObject({ tierKey: 'C', cause: 'RULE_PUBLISH', facts: { balance: 61_000 }, change: { at: republished.at } });
    expect((await history())[0]).toMatchObject({ cause: 'RULE_PUBLISH', facts: { balance: 60_000 } });
    expect(now.explanation.conditions.find((c: { tierKey: string }) => c.tierKey === 'C')).toEqual({ tierKey: 'C', fact: 'balance', actual: 61_000, passed: true });
  });

  it('names the version in force at an instant', async () => {
    const [republished, fell] = await history();
    const versionAt = async (at: string) => (await app.gql(`query($at: DateTime!) { tierProgram(key: "retail-bank") { versionAt(at: $at) { version } } }`, { at })).data.tierProgram.versionAt;
    expect(await versionAt(fell.at)).toEqual({ version: 1 });
    expect(await versionAt(republished.at)).toEqual({ version: 2 });
    expect(await versionAt('2001-01-01T00:00:00Z')).toBeNull();
  });
});
