import { Client } from 'pg';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { appendEventsSql } from '../../src/events/event-log';
import { EventType } from '../../src/events/event.entity';
import { ProgramDocument } from '../../src/programs/rule-set-version.entity';
import { Role } from '../../src/shared/role';
import { withTransaction } from '../../src/shared/transaction';
import { TestApp, startTestApp, upsertRetailCustomer } from '../helpers/app';
import { ManualClock } from '../helpers/clock';
import { retiered } from '../helpers/programs';

const DAY = 86_400_000;

interface FeedEvent {
  id: string;
  type: string;
  occurredAt: string;
  customerId: string | null;
  customerExternalId: string | null;
  programKey: string | null;
  sequence: number | null;
  payload: Record<string, unknown>;
}

const FEED = `query($after: String, $types: [EventType!], $customerId: ID, $first: Int) {
  events(after: $after, types: $types, customerId: $customerId, first: $first) {
    events { id type occurredAt customerId customerExternalId programKey sequence payload }
    endCursor hasMore
  }
}`;

describe('the event feed: an outbox written with each change, read gap-free', () => {
  let app: TestApp;
  let integrator: string;
  const clock = new ManualClock();

  beforeAll(async () => {
    app = await startTestApp({ clock });
    integrator = await app.keyWithRoles(Role.INTEGRATOR);
  });
  afterAll(() => app.close());

  async function page(args: { after?: string | null; types?: string[]; customerId?: string; first?: number } = {}) {
    const res = await app.gql(FEED, args, integrator);
    expect(res.errors).toBeUndefined();
    return res.data.events as { events: FeedEvent[]; endCursor: string | null; hasMore: boolean };
  }

  /** Every event after `after`, page by page. */
  async function readAll(after: string | null = null, filter: { types?: string[]; customerId?: string } = {}): Promise<FeedEvent[]> {
    const all: FeedEvent[] = [];
    let cursor = after;
    for (;;) {
      const p = await page({ ...filter, after: cursor, first: 50 });
      all.push(...p.events);
      cursor = p.endCursor;
      if (!p.hasMore) return all;
    }
  }

  async function head(): Promise<string | null> {
    const events = await readAll();
    return events.at(-1)?.id ?? null;
  }

  it('reports a customer crossing a threshold as tier.changed, with its externalId and its own sequence', async () => {
    const start = await head();
    const id = await upsertRetailCustomer(app, 'ev-threshold', 40_000, integrator);
    await upsertRetailCustomer(app, 'ev-threshold', 60_000, integrator);
    await upsertRetailCustomer(app, 'ev-threshold', 61_000, integrator);
    const events = (await readAll(start)).filter((e) => e.customerId === id);
    expect(events.map((e) => [e.type, e.payload.from, e.payload.to, e.payload.cause, e.sequence])).toEqual([
      ['TIER_CHANGED', null, 'C', 'CREATED', 1],
      ['TIER_CHANGED', 'C', 'B', 'CUSTOMER_UPDATE', 2],
    ]);
    expect(events[1]).toMatchObject({ customerExternalId: 'ev-threshold', programKey: 'retail-bank' });
    expect(events[1].payload).toMatchObject({ program: 'retail-bank', rulesTier: 'B', ruleVersion: 1 });
    expect(events[1].id).toMatch(/^evt_[0-9a-f]{32}$/);
    // The history row it reports.
    const history = await app.gql(`query($id: ID!) { node(id: $id) { ... on TierChange { toTierKey cause } } }`, { id: events[1].payload.historyId });
    expect(history.data.node).toEqual({ toTierKey: 'B', cause: 'CUSTOMER_UPDATE' });
    // Filters: one customer, one type; ids sort as the feed gives them.
    expect((await readAll(start, { customerId: id })).map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect((await readAll(start, { types: ['PROGRAM_PUBLISHED'] })).length).toBe(0);
    const ids = (await readAll()).map((e) => e.id);
    expect([...ids].sort()).toEqual(ids);
  });

  it('leaves no event for a change rolled back', async () => {
    const start = await head();
    const id = await upsertRetailCustomer(app, 'ev-rollback', 40_000, integrator);
    const after = await head();
    await expect(
      withTransaction(app.systemContext(), async (tx) => {
        await app.strata.services.events.append(tx, [{ type: EventType.TIER_CHANGED, customerId: id, programKey: 'retail-bank', payload: { note: 'rolled back' } }]);
        throw new Error('the change fails after its event');
      }),
    ).rejects.toThrow('the change fails');
    expect((await readAll(after)).length).toBe(0);
    // The customer's numbering continues from what committed.
    await upsertRetailCustomer(app, 'ev-rollback', 60_000, integrator);
    expect((await readAll(start, { customerId: id })).map((e) => e.sequence)).toEqual([1, 2]);
  });

  it('never skips an event that commits after a later one, and gives each customer its events in the order they happened', async () => {
    const start = await head();
    const [x, y, z] = await Promise.all(['ev-x', 'ev-y', 'ev-z'].map((name) => upsertRetailCustomer(app, name, 500, integrator)));
    const base = await head();
    const connect = async () => {
      const client = new Client({ connectionString: app.db.url });
      await client.connect();
      return client;
    };
    const [a, b] = [await connect(), await connect()];
    const append = (client: Client, customerId: string, note: string) =>
      client.query(
        `WITH ${appendEventsSql(`(SELECT 'tier.changed'::text AS type, now() AS occurred_at, $1::uuid AS customer_id, 'retail-bank'::text AS program_key, jsonb_build_object('note', $2::text) AS payload, 1 AS ord) s`, 'now()')}
         SELECT 1 FROM ev_appended`,
        [customerId, note],
      );
    try {
      // A takes its transaction id first, then B writes and commits before A does.
      await a.query('BEGIN');
      await append(a, z, 'a1');
      await b.query('BEGIN');
      await append(b, x, 'b1');
      await append(b, y, 'b2');
      await b.query('COMMIT');
      // B's events are committed but sit above A, still running: not given yet, so not skipped past.
      const early = await page({ after: base });
      expect(early.events).toEqual([]);
      expect(early.endCursor).toBe(base);
      // A writes customer X after B's event for X committed: X's events keep their order.
      await append(a, x, 'a2');
      await a.query('COMMIT');
      const late = (await readAll(early.endCursor)).filter((e) => [x, y, z].includes(e.customerId!));
      expect(late.map((e) => e.payload.note).sort()).toEqual(['a1', 'a2', 'b1', 'b2']);
      const ofX = late.filter((e) => e.customerId === x);
      expect(ofX.map((e) => [e.payload.note, e.sequence])).toEqual([
        ['b1', 2],
        ['a2', 3],
      ]);
      // Read from the very start, the feed gives the same events in the same order.
      const all = await readAll(start);
      expect(all.filter((e) => late.some((l) => l.id === e.id)).map((e) => e.id)).toEqual(late.map((e) => e.id));
    } finally {
      await a.end();
      await b.end();
    }
  });

  it('is not held back by a transaction writing in another database of the same server', async () => {
    const start = await head();
    const elsewhere = new Client({ connectionString: app.db.url.replace(/\/[^/?]+(\?|$)/, '/postgres$1') });
    await elsewhere.connect();
    try {
      await elsewhere.query('BEGIN');
      await elsewhere.query('SELECT pg_current_xact_id()');
      const id = await upsertRetailCustomer(app, 'ev-elsewhere', 40_000, integrator);
      expect((await readAll(start)).map((e) => e.customerId)).toEqual([id]);
    } finally {
      await elsewhere.query('ROLLBACK');
      await elsewhere.end();
    }
  });

  it('reports overrides set, revoked and expired, grants expired, and a publish with its re-tier summary', async () => {
    const start = await head();
    const id = await upsertRetailCustomer(app, 'ev-override', 40_000, integrator);
    const pin = async (expiresAt: Date | null) => {
      const res = await app.gql(
        `mutation($input: TierOverrideSetInput!) { tierOverrideSet(input: $input) { override { id } userErrors { message } } }`,
        { input: { customerId: id, programKey: 'retail-bank', tierKey: 'A', reason: 'retention deal', expiresAt: expiresAt?.toISOString() ?? null } },
        integrator,
      );
      expect(res.data.tierOverrideSet.userErrors).toEqual([]);
      return res.data.tierOverrideSet.override.id as string;
    };
    const revoked = await pin(null);
    const revoke = await app.gql(`mutation($id: ID!) { tierOverrideRevoke(id: $id) { userErrors { message } } }`, { id: revoked }, integrator);
    expect(revoke.data.tierOverrideRevoke.userErrors).toEqual([]);
    const expiresAt = new Date(clock.now().getTime() + DAY);
    const expiring = await pin(expiresAt);
    const grant = await app.gql(
      `mutation($input: EntitlementGrantInput!) { entitlementGrant(input: $input) { grant { id } userErrors { message } } }`,
      { input: { customerId: id, key: 'dedicatedManager', value: true, reason: 'apology', expiresAt: expiresAt.toISOString() } },
      integrator,
    );
    expect(grant.data.entitlementGrant.userErrors).toEqual([]);
    clock.set(new Date(expiresAt.getTime() + 1_000));
    await app.strata.scheduler.tick();
    const ofCustomer = await readAll(start, { customerId: id });
    expect(ofCustomer.map((e) => [e.type, e.payload.overrideId ?? e.payload.grantId ?? e.payload.cause])).toEqual([
      ['TIER_CHANGED', 'CREATED'],
      ['OVERRIDE_SET', revoked],
      ['TIER_CHANGED', 'OVERRIDE'],
      ['OVERRIDE_REVOKED', revoked],
      ['TIER_CHANGED', 'OVERRIDE'],
      ['OVERRIDE_SET', expiring],
      ['TIER_CHANGED', 'OVERRIDE'],
      ['OVERRIDE_EXPIRED', expiring],
      ['TIER_CHANGED', 'OVERRIDE_EXPIRED'],
      ['GRANT_EXPIRED', grant.data.entitlementGrant.grant.id],
    ]);
    expect(ofCustomer.map((e) => e.sequence)).toEqual(ofCustomer.map((_, i) => i + 1));
    expect(ofCustomer.find((e) => e.type === 'OVERRIDE_EXPIRED')!.occurredAt).toBe(expiresAt.toISOString());

    // A publish: program.published, then one tier.changed per customer moved and one summary.
    const before = await head();
    const published = (await app.strata.services.programs.published(app.systemContext(), 'retail-bank'))!;
    const document: ProgramDocument = structuredClone(published.version.document);
    document.tiers.find((t) => t.key === 'B')!.conditions = { all: [{ fact: 'balance', operator: 'greaterThanInclusive', value: 30_000 }] };
    await withTransaction(app.systemContext(), (tx) => app.strata.services.publisher.publish(tx, published.program, document, 'ruleFilePublish', { file: 'events.test' }));
    await retiered(app);
    const events = await readAll(before);
    const [first, ...rest] = events;
    expect(first).toMatchObject({ type: 'PROGRAM_PUBLISHED', programKey: 'retail-bank', customerId: null, sequence: null });
    expect(first.payload).toMatchObject({ version: published.version.version + 1, previousVersion: published.version.version });
    const moved = rest.filter((e) => e.type === 'TIER_CHANGED');
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.every((e) => e.payload.cause === 'RULE_PUBLISH' && e.payload.to === 'B')).toBe(true);
    const summary = rest.filter((e) => e.type === 'RETIER_FINISHED');
    expect(summary).toHaveLength(1);
    expect(summary[0].payload).toMatchObject({ program: 'retail-bank', version: published.version.version + 1, changed: moved.length });
    expect(rest.at(-1)!.type).toBe('RETIER_FINISHED');
    const [{ rows }] = await app.db.dataSource.query(`SELECT count(*)::int AS rows FROM tier_change WHERE cause = 'RULE_PUBLISH' AND rule_version = $1`, [published.version.version + 1]);
    expect(moved.length).toBe(rows);
  });

  it('goes live over graphql-ws from a cursor, and a subscriber that reconnects with its last id misses nothing', async () => {
    const start = await head();
    const url = app.url.replace('http://', 'ws://');
    const subscribe = (after: string | null, until: (seen: FeedEvent[]) => boolean) => {
      const client = createClient({ url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${integrator}` }, retryAttempts: 0, lazy: false });
      const seen: FeedEvent[] = [];
      const done = (async () => {
        const events = client.iterate<{ events: FeedEvent }>({
          query: `subscription($after: String) { events(after: $after) { id type customerId customerExternalId sequence payload } }`,
          variables: { after },
        });
        for await (const result of events) {
          if (result.errors) throw new Error(JSON.stringify(result.errors));
          seen.push(result.data!.events);
          if (until(seen)) break;
        }
        await client.dispose();
        return seen;
      })();
      return { seen, done, close: () => client.dispose() };
    };
    const ofLive = (events: FeedEvent[]) => events.filter((e) => e.customerExternalId?.startsWith('ev-live'));
    // Live: changes made while subscribed arrive as they commit.
    const first = subscribe(start, (seen) => ofLive(seen).length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await upsertRetailCustomer(app, 'ev-live-1', 500, integrator);
    await upsertRetailCustomer(app, 'ev-live-1', 600_000, integrator);
    const received = await first.done;
    expect(ofLive(received).map((e) => [e.payload.from, e.payload.to])).toEqual([
      [null, 'D'],
      ['D', 'A'],
    ]);
    // Gone: changes made meanwhile are read from the cursor on reconnecting, in the feed's order, then live again.
    const last = received.at(-1)!.id;
    await upsertRetailCustomer(app, 'ev-live-2', 500, integrator);
    await upsertRetailCustomer(app, 'ev-live-1', 60_000, integrator);
    const resumed = subscribe(last, (seen) => ofLive(seen).length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await upsertRetailCustomer(app, 'ev-live-2', 600_000, integrator);
    const after = await resumed.done;
    const feed = await readAll(last);
    expect(after.map((e) => e.id)).toEqual(feed.slice(0, after.length).map((e) => e.id));
    expect(ofLive(after).map((e) => [e.customerExternalId, e.payload.to])).toEqual([
      ['ev-live-2', 'D'],
      ['ev-live-1', 'B'],
      ['ev-live-2', 'A'],
    ]);
  });

  it('closes a subscription socket whose connection_init has no valid key', async () => {
    const client = createClient({ url: app.url.replace('http://', 'ws://'), webSocketImpl: WebSocket, connectionParams: { authorization: 'Bearer nope' }, retryAttempts: 0 });
    const outcome = await new Promise<unknown>((resolve) => {
      client.subscribe({ query: 'subscription { events { id } }' }, { next: () => undefined, error: resolve, complete: () => resolve('completed') });
    });
    expect((outcome as { code?: number }).code).toBe(4403);
    await client.dispose();
  });

  it('answers a cursor or page size it did not give with BAD_USER_INPUT at HTTP 400', async () => {
    for (const args of [{ after: 'evt_nope' }, { after: 'TierChange:1' }, { first: 0 }, { first: 1_001 }, { customerId: 'not-a-uuid' }]) {
      const res = await app.gql(FEED, args, integrator);
      expect(res.status).toBe(400);
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0].message).toMatch(/after|first|customerId/);
    }
  });

  it('prunes events past the retention period from the head of the feed', async () => {
    const all = await readAll();
    expect(all.length).toBeGreaterThan(0);
    clock.advance(31 * DAY);
    const id = await upsertRetailCustomer(app, 'ev-young', 40_000, integrator);
    await app.strata.scheduler.tick();
    const kept = await readAll();
    expect(kept.map((e) => e.customerId)).toEqual([id]);
    // A cursor into what was pruned still reads on.
    expect((await readAll(all[0].id)).map((e) => e.id)).toEqual(kept.map((e) => e.id));
    // Numbering goes on past pruned events.
    await upsertRetailCustomer(app, 'ev-young', 600_000, integrator);
    expect((await readAll(null, { customerId: id })).map((e) => e.sequence)).toEqual([1, 2]);
    const old = all.find((e) => e.customerExternalId === 'ev-threshold')!;
    await upsertRetailCustomer(app, 'ev-threshold', 600_000, integrator);
    expect((await readAll(null, { customerId: old.customerId! })).map((e) => e.sequence)).toEqual([3]);
  });
});
