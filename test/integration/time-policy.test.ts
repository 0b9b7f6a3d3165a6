import { Role } from '../../src/shared/role';
import { TestApp, startTestApp, tierHistory, upsertRetailCustomer } from '../helpers/app';
import { ManualClock } from '../helpers/clock';
import { retiered, submitApprovePublish } from '../helpers/programs';

const CARD = `tier(programKey: "retail-bank") {
  tier { key } source status
  held { status rulesTierKey belowSince reviewAt heldUntil protected }
  explanation { matchedTierKey keepTier { tierKey requirements { fact gap message } } }
}`;

/**
 * The issue's walk through GraphQL: a program set to yearly review with 30 days' grace, a
 * balance that drops, the card saying AT_RISK with the review and what keeping the tier
 * takes, the clock moved past the review and the grace, the tier falling with a history row
 * and its cause, and tierAt answering for the month before.
 */
describe('tiers that move with time: a yearly review with grace', () => {
  let app: TestApp;
  let integrator: string;
  const clock = new ManualClock(new Date('2026-12-04T02:00:00Z'));

  beforeAll(async () => {
    app = await startTestApp({ clock });
    integrator = await app.keyWithRoles(Role.INTEGRATOR);
    const draft = await app.gql(`mutation { ruleDraftCreate(programKey: "retail-bank") { draft { id revision document } } }`);
    const { id, revision, document } = draft.data.ruleDraftCreate.draft;
    const tiers = document.tiers.map((t: { key: string }) => (t.key === 'A' ? { ...t, protected: true } : t));
    const updated = await app.gql(`mutation($id: ID!, $r: Int!, $d: JSONObject!) { ruleDraftUpdate(id: $id, revision: $r, document: $d) { draft { revision } userErrors { field message } } }`, {
      id,
      r: revision,
      d: { ...document, tiers, timePolicy: { downgrade: 'REVIEW', review: 'YEAR', graceDays: 30 } },
    });
    expect(updated.data.ruleDraftUpdate.userErrors).toEqual([]);
    await submitApprovePublish(app, { id, revision: updated.data.ruleDraftUpdate.draft.revision });
  });
  afterAll(() => app.close());

  const upsert = (externalId: string, balance: number) => upsertRetailCustomer(app, externalId, balance, integrator);
  const card = async (id: string) => (await app.gql(`query($id: ID!) { customer(id: $id) { ${CARD} } }`, { id })).data.customer.tier;
  const history = (id: string) => tierHistory(app, id);
  const withStatus = async (tierStatus: string) =>
    (await app.gql(`{ customers(first: 100, filter: { programKey: "retail-bank", tierStatus: ${tierStatus} }) { edges { node { externalId } } } }`)).data.customers.edges.map(
      (e: { node: { externalId: string } }) => e.node.externalId,
    );
  const listed = async (tierKey: string) =>
    (await app.gql(`{ customers(first: 100, filter: { programKey: "retail-bank", tierKey: "${tierKey}" }) { edges { node { externalId } } } }`)).data.customers.edges.map(
      (e: { node: { externalId: string } }) => e.node.externalId,
    );

  it('holds A_SUB AT_RISK when the balance drops, says when it falls and what keeping it takes, and counts it in A_SUB', async () => {
    const id = await upsert('held', 462_500);
    clock.set('2026-12-10T04:00:00Z');
    await upsert('held', 60_000);
    expect(await card(id)).toEqual({
      tier: { key: 'A_SUB' },
      source: 'HELD',
      status: 'AT_RISK',
      // The review is 1 January at midnight in Shanghai; the tier falls 30 days later unless the balance recovers.
      held: { status: 'AT_RISK', rulesTierKey: 'B', belowSince: '2026-12-10T04:00:00.000Z', reviewAt: '2026-12-31T16:00:00.000Z', heldUntil: '2027-01-30T16:00:00.000Z', protected: false },
      explanation: {
        matchedTierKey: 'B',
        keepTier: { tierKey: 'A_SUB', requirements: [{ fact: 'balance', gap: 140_000, message: 'balance needs +140,000 (at least 200,000; now 60,000)' }] },
      },
    });
    expect(await listed('A_SUB')).toContain('held');
    expect(await listed('B')).not.toContain('held');
    // The filter finds the customers at risk, as their cards say.
    expect(await withStatus('AT_RISK')).toEqual(['held']);
    expect(await withStatus('IN_GRACE')).toEqual([]);
    // Nothing the customer shows changed, so history has only the first row.
    expect((await history(id)).map((r) => r.cause)).toEqual(['CREATED']);
    // Integrators hear of it: customer.tier_at_risk, with when the tier falls unless the facts recover.
    const feed = await app.gql(`query($id: ID!) { events(customerId: $id) { events { type occurredAt payload } } }`, { id }, integrator);
    expect(feed.data.events.events.map((e: { type: string }) => e.type)).toEqual(['TIER_CHANGED', 'CUSTOMER_TIER_AT_RISK']);
    expect(feed.data.events.events[1]).toEqual({
      type: 'CUSTOMER_TIER_AT_RISK',
      occurredAt: '2026-12-10T04:00:00.000Z',
      payload: { program: 'retail-bank', tier: 'A_SUB', status: 'AT_RISK', rulesTier: 'B', belowSince: '2026-12-10T04:00:00.000Z', reviewAt: '2026-12-31T16:00:00.000Z', heldUntil: '2027-01-30T16:00:00.000Z', ruleVersion: 2 },
    });
  });

  it('shows IN_GRACE after the review, falls at the end of grace with a REVIEW row at that instant, and tierAt answers for before', async () => {
    const id = (await app.gql(`{ customer(externalId: "held") { id } }`)).data.customer.id;
    clock.set('2027-01-05T00:00:00Z');
    expect((await card(id)).status).toBe('IN_GRACE');
    expect(await withStatus('IN_GRACE')).toEqual(['held']);
    expect(await withStatus('AT_RISK')).toEqual([]);
    clock.set('2027-01-31T00:00:00Z');
    expect(await app.strata.scheduler.tick()).toContain('tier-review');
    expect(await card(id)).toMatchObject({ tier: { key: 'B' }, source: 'RULE', status: 'ACTIVE', held: null });
    expect((await history(id)).at(-1)).toEqual({ from: 'A_SUB', to: 'B', cause: 'REVIEW', at: '2027-01-30T16:00:00.000Z', balance: 60_000 });
    expect(await listed('B')).toContain('held');
    const asOf = async (at: string) =>
      (await app.gql(`query($id: ID!, $at: DateTime!) { customer(id: $id) { tierAt(programKey: "retail-bank", at: $at) { tier { key } cause } } }`, { id, at })).data.customer.tierAt;
    expect(await asOf('2027-01-15T00:00:00Z')).toEqual({ tier: { key: 'A_SUB' }, cause: 'CREATED' });
    expect(await asOf('2027-01-30T16:00:00Z')).toEqual({ tier: { key: 'B' }, cause: 'REVIEW' });
  });

  it('lets a customer who requalifies before the review keep the tier with nothing held, and upgrades at once', async () => {
    const id = await upsert('recovers', 300_000);
    await upsert('recovers', 100_000);
    expect((await card(id)).status).toBe('AT_RISK');
    await upsert('recovers', 250_000);
    expect(await card(id)).toMatchObject({ tier: { key: 'A_SUB' }, source: 'RULE', status: 'ACTIVE', held: null });
    await upsert('recovers', 600_000);
    expect((await card(id)).tier).toEqual({ key: 'A' });
    const rows = await app.db.dataSource.query(`SELECT held_tier_key, drop_at FROM tier_assignment WHERE customer_id = $1`, [id]);
    expect(rows).toEqual([{ held_tier_key: null, drop_at: null }]);
  });

  it('keeps a protected tier whatever the rules say', async () => {
    const id = await upsert('strategic', 800_000);
    await upsert('strategic', 1_000);
    expect(await card(id)).toMatchObject({ tier: { key: 'A' }, source: 'HELD', status: 'ACTIVE', held: { protected: true, heldUntil: null, rulesTierKey: 'D' } });
    expect(await withStatus('ACTIVE')).toContain('strategic');
    clock.set('2029-06-01T00:00:00Z');
    await app.strata.scheduler.tick();
    expect((await card(id)).tier).toEqual({ key: 'A' });
  });

  it('records a due fall first when a write reaches the customer before the scheduler, so both rows are in order', async () => {
    clock.set('2029-06-01T00:00:00Z');
    const id = await upsert('write-first', 300_000);
    await upsert('write-first', 60_000);
    const { heldUntil } = (await card(id)).held;
    expect(heldUntil).toBe('2030-01-30T16:00:00.000Z');
    clock.set('2030-02-10T00:00:00Z');
    await upsert('write-first', 20_000);
    // The fall to B is recorded with the facts of its instant, before the write; then B is held in turn.
    expect((await history(id)).at(-1)).toEqual({ from: 'A_SUB', to: 'B', cause: 'REVIEW', at: heldUntil, balance: 60_000 });
    expect(await card(id)).toMatchObject({
      tier: { key: 'B' },
      source: 'HELD',
      held: { status: 'AT_RISK', rulesTierKey: 'C', reviewAt: '2030-12-31T16:00:00.000Z', heldUntil: '2031-01-30T16:00:00.000Z' },
    });
  });

  it('previews a rule change under the policy: who would be held in their tier, and when they would fall', async () => {
    clock.set('2031-03-01T00:00:00Z');
    await upsert('previewed', 250_000);
    const draft = await app.gql(`mutation { ruleDraftCreate(programKey: "retail-bank") { draft { id revision document } } }`);
    const { id, revision, document } = draft.data.ruleDraftCreate.draft;
    document.tiers.find((t: { key: string }) => t.key === 'A_SUB').conditions.all[0].value = 300_000;
    await app.gql(`mutation($id: ID!, $r: Int!, $d: JSONObject!) { ruleDraftUpdate(id: $id, revision: $r, document: $d) { userErrors { message } } }`, { id, r: revision, d: document });
    const simulated = await app.gql(`query($id: ID!) { ruleDraftSimulate(id: $id, sampleSize: 5) { movements { fromTierKey toTierKey count held heldFallFirst heldFallLast } } }`, { id });
    const stays = simulated.data.ruleDraftSimulate.movements.find((m: { fromTierKey: string; toTierKey: string }) => m.fromTierKey === 'A_SUB' && m.toTierKey === 'A_SUB');
    // Under the new threshold the rules give B; the yearly review holds A_SUB until 1 January 2032 plus 30 days' grace.
    expect(stays).toEqual({ fromTierKey: 'A_SUB', toTierKey: 'A_SUB', count: 1, held: 1, heldFallFirst: '2032-01-30T16:00:00.000Z', heldFallLast: '2032-01-30T16:00:00.000Z' });
    await app.gql(`mutation($id: ID!, $r: Int!) { ruleDraftDiscard(id: $id, revision: $r) { userErrors { message } } }`, { id, r: revision + 1 });
  });

  it('records a review that falls while a re-tier job is running before the job moves the customer, each once', async () => {
    clock.set('2032-06-01T00:00:00Z');
    const id = await upsert('during-retier', 300_000);
    clock.set('2032-06-02T00:00:00Z');
    await upsert('during-retier', 60_000);
    const { heldUntil } = (await card(id)).held;
    expect(heldUntil).toBe('2033-01-30T16:00:00.000Z');
    // B now starts at 70,000: under it the customer's verdict is C. Published, its re-tier not yet run.
    await app.strata.runner.stop();
    const draft = await app.gql(`mutation { ruleDraftCreate(programKey: "retail-bank") { draft { id revision document } } }`);
    const { id: draftId, revision, document } = draft.data.ruleDraftCreate.draft;
    document.tiers.find((t: { key: string }) => t.key === 'B').conditions.all[0].value = 70_000;
    const approver = await app.keyWithRoles(Role.APPROVER);
    const editor = await app.keyWithRoles(Role.EDITOR);
    const step = async (mutation: string, args: string, variables: Record<string, unknown>, key: string) => {
      const res = await app.gql(`mutation($id: ID!${'d' in variables ? ', $d: JSONObject!' : ''}) { ${mutation}(${args}) { userErrors { message } } }`, { id: draftId, ...variables }, key);
      expect(res.data[mutation].userErrors).toEqual([]);
    };
    await step('ruleDraftUpdate', `id: $id, revision: ${revision}, document: $d`, { d: document }, editor);
    await step('ruleDraftSubmit', `id: $id, revision: ${revision + 1}`, {}, editor);
    await step('ruleDraftApprove', `id: $id, revision: ${revision + 2}`, {}, approver);
    await step('ruleDraftPublish', 'id: $id', {}, approver);
    // The review falls, then the job reaches the customer before the scheduler does.
    clock.set('2033-02-05T00:00:00Z');
    app.strata.runner.start();
    await retiered(app);
    expect((await history(id)).at(-1)).toMatchObject({ from: 'A_SUB', to: 'B', cause: 'REVIEW', at: heldUntil });
    await app.strata.scheduler.tick();
    const rows = (await history(id)).filter((r) => r.at >= '2032-06-01');
    expect(rows).toEqual([
      { from: null, to: 'A_SUB', cause: 'CREATED', at: '2032-06-01T00:00:00.000Z', balance: 300_000 },
      { from: 'A_SUB', to: 'B', cause: 'REVIEW', at: heldUntil, balance: 60_000 },
    ]);
    // Under the new rules the verdict is C: B is held until the next review, with nothing written twice.
    expect(await card(id)).toMatchObject({ tier: { key: 'B' }, source: 'HELD', held: { rulesTierKey: 'C', status: 'AT_RISK' } });
  });

  it('lets the review pass over a held tier a write has locked, without waiting, and never wait on the customer row', async () => {
    clock.set('2034-03-01T00:00:00Z');
    const locked = await upsert('held-by-a-write', 300_000);
    const busy = await upsert('customer-row-busy', 300_000);
    clock.set('2034-03-02T00:00:00Z');
    // B starts at 70,000 since the test before.
    await upsert('held-by-a-write', 80_000);
    await upsert('customer-row-busy', 80_000);
    expect((await card(locked)).held.heldUntil).toBe('2035-01-30T16:00:00.000Z');
    clock.set('2035-02-05T00:00:00Z');
    // One write holds the first customer's held tier, as settleTime leaves it; another holds only the second customer's row.
    const writes = [app.db.dataSource.createQueryRunner(), app.db.dataSource.createQueryRunner()];
    for (const w of writes) await w.startTransaction();
    await writes[0].query('SELECT 1 FROM tier_assignment WHERE customer_id = $1 AND held_tier_key IS NOT NULL FOR UPDATE', [locked]);
    await writes[1].query('SELECT 1 FROM customer WHERE id = $1 FOR UPDATE', [busy]);
    try {
      await app.strata.scheduler.tick();
      expect(await card(locked)).toMatchObject({ tier: { key: 'A_SUB' }, source: 'HELD' });
      expect(await card(busy)).toMatchObject({ tier: { key: 'B' }, source: 'RULE' });
    } finally {
      for (const w of writes) {
        await w.rollbackTransaction();
        await w.release();
      }
    }
    // The next run records the fall it passed over; each fall once.
    clock.set('2035-02-05T00:05:00Z');
    await app.strata.scheduler.tick();
    expect(await card(locked)).toMatchObject({ tier: { key: 'B' }, source: 'RULE' });
    for (const id of [locked, busy]) {
      expect((await history(id)).filter((r) => r.cause === 'REVIEW')).toEqual([{ from: 'A_SUB', to: 'B', cause: 'REVIEW', at: '2035-01-30T16:00:00.000Z', balance: 80_000 }]);
    }
  });

  it('lets every held tier fall at once, each with a history row, when a publish removes the policy', async () => {
    clock.set('2036-03-01T00:00:00Z');
    const id = await upsert('policy-removed', 300_000);
    const strategic = await upsert('protected-removed', 800_000);
    clock.set('2036-03-02T00:00:00Z');
    await upsert('policy-removed', 80_000);
    await upsert('protected-removed', 1_000);
    expect((await card(id)).source).toBe('HELD');
    expect((await card(strategic)).source).toBe('HELD');
    const draft = await app.gql(`mutation { ruleDraftCreate(programKey: "retail-bank") { draft { id revision document } } }`);
    const { id: draftId, revision, document } = draft.data.ruleDraftCreate.draft;
    const { timePolicy: _removed, ...rest } = document;
    const tiers = document.tiers.map(({ protected: _protected, ...t }: { protected?: boolean }) => t);
    const updated = await app.gql(`mutation($id: ID!, $r: Int!, $d: JSONObject!) { ruleDraftUpdate(id: $id, revision: $r, document: $d) { draft { revision } userErrors { message } } }`, {
      id: draftId,
      r: revision,
      d: { ...rest, tiers },
    });
    expect(updated.data.ruleDraftUpdate.userErrors).toEqual([]);
    await submitApprovePublish(app, { id: draftId, revision: updated.data.ruleDraftUpdate.draft.revision });
    await app.strata.runner.drain();
    expect(await card(id)).toMatchObject({ tier: { key: 'B' }, source: 'RULE', held: null });
    expect(await card(strategic)).toMatchObject({ tier: { key: 'D' }, source: 'RULE', held: null });
    expect((await history(id)).at(-1)).toMatchObject({ from: 'A_SUB', to: 'B', cause: 'RULE_PUBLISH' });
    expect((await history(strategic)).at(-1)).toMatchObject({ from: 'A', to: 'D', cause: 'RULE_PUBLISH' });
    const [{ held }] = await app.db.dataSource.query(`SELECT count(*)::int AS held FROM tier_assignment WHERE held_tier_key IS NOT NULL`);
    expect(held).toBe(0);
  });
});
