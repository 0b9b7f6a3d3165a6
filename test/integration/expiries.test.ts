import { Role } from '../../src/shared/role';
import { Scheduler } from '../../src/scheduler/scheduler';
import { timeWork } from '../../src/scheduler/time-work';
import { TestApp, startTestApp, tierHistory, upsertRetailCustomer } from '../helpers/app';
import { ManualClock } from '../helpers/clock';
import { submitApprovePublish } from '../helpers/programs';

const HOUR = 3_600_000;

describe('expiries that fire: overrides and grants on an injected clock', () => {
  let app: TestApp;
  let integrator: string;
  const clock = new ManualClock();

  beforeAll(async () => {
    app = await startTestApp({ clock });
    integrator = await app.keyWithRoles(Role.INTEGRATOR);
  });
  afterAll(() => app.close());

  const upsert = (externalId: string, balance: number) => upsertRetailCustomer(app, externalId, balance, integrator);
  const pin = async (customerId: string, tierKey: string, expiresAt: Date) => {
    const res = await app.gql(
      `mutation($input: TierOverrideSetInput!) { tierOverrideSet(input: $input) { override { id } userErrors { message } } }`,
      { input: { customerId, programKey: 'retail-bank', tierKey, reason: 'retention deal', expiresAt: expiresAt.toISOString() } },
      integrator,
    );
    expect(res.data.tierOverrideSet.userErrors).toEqual([]);
    return res.data.tierOverrideSet.override.id as string;
  };
  const shown = async (customerId: string) =>
    (await app.gql(`query($id: ID!) { customer(id: $id) { tier(programKey: "retail-bank") { source tier { key } } } }`, { id: customerId })).data.customer.tier;
  /** Oldest first, each row with the balance in force at its instant (the facts history). */
  const history = (customerId: string) => tierHistory(app, customerId, 'retail-bank');
  /** Each row starts where the one before ended: nothing a change did is missing from the history. */
  const expectChained = (rows: { from: string | null; to: string | null }[]) => {
    rows.slice(1).forEach((row, i) => expect(row.from).toBe(rows[i].to));
  };

  it('stops counting an override between two reads at its instant, and the scheduler records it at that instant with the facts then', async () => {
    const id = await upsert('expiry-reads', 462_500);
    const expiresAt = new Date(clock.now().getTime() + HOUR);
    await pin(id, 'A', expiresAt);
    clock.set(new Date(expiresAt.getTime() - 1));
    expect(await shown(id)).toEqual({ source: 'OVERRIDE', tier: { key: 'A' } });
    clock.set(expiresAt);
    expect(await shown(id)).toEqual({ source: 'RULE', tier: { key: 'A_SUB' } });
    // Nothing written yet: reads honour the instant, the scheduler records it.
    expect((await history(id)).map((r) => r.cause)).toEqual(['CREATED', 'OVERRIDE']);
    clock.advance(10_000);
    expect(await app.strata.scheduler.tick()).toContain('override-expiry');
    const rows = await history(id);
    expect(rows.at(-1)).toEqual({ from: 'A', to: 'A_SUB', cause: 'OVERRIDE_EXPIRED', at: expiresAt.toISOString(), balance: 462_500 });
    expectChained(rows);
    const asOf = await app.gql(`query($id: ID!, $at: DateTime!) { customer(id: $id) { tierAt(programKey: "retail-bank", at: $at) { tier { key } cause } } }`, {
      id,
      at: new Date(expiresAt.getTime() + 1).toISOString(),
    });
    expect(asOf.data.customer.tierAt).toEqual({ tier: { key: 'A_SUB' }, cause: 'OVERRIDE_EXPIRED' });
  });

  it('records an expiry first when a write reaches the customer before the scheduler does, so history keeps both changes in order', async () => {
    const single = await upsert('expiry-write', 462_500);
    const batched = await upsert('expiry-batch', 462_500);
    const patched = await upsert('expiry-patch', 462_500);
    const expiresAt = new Date(clock.now().getTime() + HOUR);
    for (const id of [single, batched, patched]) await pin(id, 'A', expiresAt);
    clock.set(new Date(expiresAt.getTime() + 5_000));
    await upsert('expiry-write', 60_000);
    const batch = await app.gql(
      `mutation($inputs: [CustomerUpsertInput!]!) { customersUpsert(inputs: $inputs) { results { userErrors { message } } } }`,
      { inputs: [{ externalId: 'expiry-batch', name: 'expiry-batch', facts: { customerType: 'individual', balance: 60_000 } }] },
      integrator,
    );
    expect(batch.data.customersUpsert.results[0].userErrors).toEqual([]);
    const patch = await app.gql(`mutation($id: ID!) { customerFactsUpdate(id: $id, facts: { balance: 60000 }) { userErrors { message } } }`, { id: patched }, integrator);
    expect(patch.data.customerFactsUpdate.userErrors).toEqual([]);
    for (const id of [single, batched, patched]) {
      const rows = await history(id);
      expect(rows.slice(-2)).toEqual([
        { from: 'A', to: 'A_SUB', cause: 'OVERRIDE_EXPIRED', at: expiresAt.toISOString(), balance: 462_500 },
        { from: 'A_SUB', to: 'B', cause: 'CUSTOMER_UPDATE', at: clock.now().toISOString(), balance: 60_000 },
      ]);
      expectChained(rows);
    }
    // The scheduler finds nothing left to record for them.
    clock.advance(60_000);
    await app.strata.scheduler.tick();
    for (const id of [single, batched, patched]) expect((await history(id)).filter((r) => r.cause === 'OVERRIDE_EXPIRED')).toHaveLength(1);
  });

  it('lets a grant stop counting at its instant and records its expiry once, however many processes run the scheduler', async () => {
    const id = await upsert('expiry-grant', 100);
    const expiresAt = new Date(clock.now().getTime() + HOUR);
    const grant = await app.gql(
      `mutation($input: EntitlementGrantInput!) { entitlementGrant(input: $input) { grant { id } userErrors { message } } }`,
      { input: { customerId: id, key: 'feeDiscountPct', value: 80, reason: 'complaint settled', expiresAt: expiresAt.toISOString() } },
      integrator,
    );
    expect(grant.data.entitlementGrant.userErrors).toEqual([]);
    const discount = async () =>
      (await app.gql(`query($id: ID!) { customer(id: $id) { entitlements { key value source } } }`, { id })).data.customer.entitlements.find(
        (e: { key: string }) => e.key === 'feeDiscountPct',
      );
    expect(await discount()).toMatchObject({ value: 80, source: 'GRANT' });
    const pinned = await upsert('expiry-many', 462_500);
    await pin(pinned, 'A', expiresAt);
    clock.set(expiresAt);
    expect((await discount())?.source).not.toBe('GRANT');

    // Three schedulers (as three processes would) race for the same due tasks.
    const schedulers = [app.strata.scheduler, ...[1, 2].map(() => new Scheduler(app.strata.deps, timeWork(app.strata.services, { everyMs: 15_000 })))];
    clock.advance(30_000);
    const ran = await Promise.all(schedulers.map((s) => s.tick()));
    expect(ran.flat().filter((name) => name === 'grant-expiry')).toHaveLength(1);
    expect(ran.flat().filter((name) => name === 'override-expiry')).toHaveLength(1);
    const audited = await app.gql(`{ auditEvents(filter: { action: entitlementGrantExpire }) { edges { node { entityKey actorName } } } }`);
    expect(audited.data.auditEvents.edges).toEqual([{ node: { entityKey: grant.data.entitlementGrant.grant.id, actorName: 'scheduler:grant-expiry' } }]);
    expect((await history(pinned)).filter((r) => r.cause === 'OVERRIDE_EXPIRED')).toHaveLength(1);
    // Not due again until its period has passed.
    expect(await app.strata.scheduler.tick()).toEqual([]);
  });

  it('keeps history chained when an override expires while a publish is still being re-tiered', async () => {
    const id = await upsert('expiry-retier', 462_500);
    const expiresAt = new Date(clock.now().getTime() + HOUR);
    await pin(id, 'A', expiresAt);
    clock.set(new Date(expiresAt.getTime() + 1_000));
    // A new version raises A_SUB to 470,000, and its re-tier reaches the customer before the
    // scheduler records the expiry: the customer falls to B, after the override's row.
    const draft = await app.gql(`mutation { ruleDraftCreate(programKey: "retail-bank") { draft { id revision document } } }`);
    const { id: draftId, revision, document } = draft.data.ruleDraftCreate.draft;
    document.tiers.find((t: { key: string }) => t.key === 'A_SUB').conditions.all[0].value = 470_000;
    const updated = await app.gql(`mutation($id: ID!, $r: Int!, $d: JSONObject!) { ruleDraftUpdate(id: $id, revision: $r, document: $d) { draft { revision } userErrors { message } } }`, {
      id: draftId,
      r: revision,
      d: document,
    });
    expect(updated.data.ruleDraftUpdate.userErrors).toEqual([]);
    await submitApprovePublish(app, { id: draftId, revision: updated.data.ruleDraftUpdate.draft.revision });
    await app.strata.scheduler.tick();
    const rows = await history(id);
    expect(rows.slice(-2).map(({ from, to, cause }) => ({ from, to, cause }))).toEqual([
      { from: 'A', to: 'A_SUB', cause: 'OVERRIDE_EXPIRED' },
      { from: 'A_SUB', to: 'B', cause: 'RULE_PUBLISH' },
    ]);
    expectChained(rows);
  });
});
