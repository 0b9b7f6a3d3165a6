import { Webhook } from 'standardwebhooks';
import { RETRY_DELAYS_MS, WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher';
import { Role } from '../../src/shared/role';
import { TestApp, startTestApp, upsertRetailCustomer } from '../helpers/app';
import { ManualClock } from '../helpers/clock';
import { Receiver, Received, startReceiver } from '../helpers/receiver';

const CREATE = `mutation($input: WebhookEndpointCreateInput!) {
  webhookEndpointCreate(input: $input) { endpoint { id url types enabled } secret userErrors { code field message } }
}`;
const LOG = `query($id: ID!) {
  webhookEndpoint(id: $id) {
    enabled disabledReason
    deliveries(first: 100) { edges { node { eventId eventType status attempts lastStatus lastError nextAttemptAt attemptLog { attempt status error } } } }
  }
}`;

interface Body {
  type: string;
  timestamp: string;
  data: { id: string; customerId: string | null; customerExternalId: string | null; sequence: number | null; [key: string]: unknown };
}

const bodyOf = (call: Received) => JSON.parse(call.body) as Body;
const receiverPath = (call: Received) => call.path;

describe('webhooks: signed calls, retried until delivered, in each customer\'s order', () => {
  let app: TestApp;
  let integrator: string;
  let receiver: Receiver;
  const clock = new ManualClock();

  beforeAll(async () => {
    app = await startTestApp({ clock, webhooks: { jitter: () => 1 } });
    integrator = await app.keyWithRoles(Role.INTEGRATOR);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await app.close();
  });
  beforeEach(() => {
    receiver.calls.length = 0;
    receiver.answer = () => ({ status: 204 });
  });

  async function register(input: Record<string, unknown>, key = integrator) {
    const res = await app.gql(CREATE, { input }, key);
    expect(res.data.webhookEndpointCreate.userErrors).toEqual([]);
    return res.data.webhookEndpointCreate as { endpoint: { id: string }; secret: string };
  }
  const disable = (id: string) => app.gql(`mutation($id: ID!) { webhookEndpointUpdate(input: { id: $id, enabled: false }) { userErrors { message } } }`, { id }, integrator);
  const deliver = () => app.strata.webhooks.drain();

  it('sends a signed tier.changed that the standardwebhooks package verifies, with the event id as webhook-id', async () => {
    const { endpoint, secret } = await register({ url: receiver.url, description: 'CRM sync' });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const id = await upsertRetailCustomer(app, 'hook-threshold', 40_000, integrator);
    await upsertRetailCustomer(app, 'hook-threshold', 60_000, integrator);
    await deliver();
    const calls = receiver.calls.filter((c) => bodyOf(c).data.customerId === id);
    expect(calls.map((c) => [bodyOf(c).type, bodyOf(c).data.from, bodyOf(c).data.to, bodyOf(c).data.sequence])).toEqual([
      ['tier.changed', null, 'C', 1],
      ['tier.changed', 'C', 'B', 2],
    ]);
    const verifier = new Webhook(secret);
    for (const call of calls) {
      const verified = verifier.verify(call.body, call.headers as Record<string, string>) as Body;
      expect(call.headers['webhook-id']).toBe(verified.data.id);
      expect(verified.data.customerExternalId).toBe('hook-threshold');
    }
    expect(() => new Webhook(`whsec_${Buffer.alloc(24, 1).toString('base64')}`).verify(calls[0].body, calls[0].headers as Record<string, string>)).toThrow();
    // The feed and the calls name the same events.
    const feed = await app.gql(`query($id: ID!) { events(customerId: $id) { events { id } } }`, { id }, integrator);
    expect(calls.map((c) => c.headers['webhook-id'])).toEqual(feed.data.events.events.map((e: { id: string }) => e.id));
    const log = await app.gql(LOG, { id: endpoint.id }, integrator);
    expect(log.data.webhookEndpoint.deliveries.edges.every((e: { node: { status: string; lastStatus: number } }) => e.node.status === 'DELIVERED' && e.node.lastStatus === 204)).toBe(true);
    await disable(endpoint.id);
  });

  it('keeps every event while the receiver is down for a day, then delivers them all, each customer in order, none under two ids', async () => {
    const { endpoint } = await register({ url: receiver.url, types: ['TIER_CHANGED'] });
    await receiver.stop();
    const ids = await Promise.all(['down-a', 'down-b', 'down-c'].map((name) => upsertRetailCustomer(app, name, 500, integrator)));
    for (const balance of [40_000, 60_000, 300_000, 600_000, 20_000]) {
      for (const name of ['down-a', 'down-b', 'down-c']) await upsertRetailCustomer(app, name, balance, integrator);
    }
    const expected = await app.gql(`query { events(types: [TIER_CHANGED], first: 1000) { events { id customerId } } }`, {}, integrator);
    const wanted = expected.data.events.events.filter((e: { customerId: string }) => ids.includes(e.customerId));
    expect(wanted).toHaveLength(18);
    // A simulated day: every try fails, one customer's later events wait behind its first.
    await deliver();
    for (let hour = 0; hour < 24; hour += 1) {
      clock.advance(3_600_000);
      await deliver();
    }
    const waiting = await app.gql(LOG, { id: endpoint.id }, integrator);
    const tried = waiting.data.webhookEndpoint.deliveries.edges.map((e: { node: { attempts: number; status: string } }) => e.node);
    expect(tried.every((d: { status: string }) => d.status === 'PENDING')).toBe(true);
    expect(tried.filter((d: { attempts: number }) => d.attempts > 0)).toHaveLength(3);
    await receiver.start();
    // The last retry of the schedule falls within the next day.
    for (let hour = 0; hour < 12; hour += 1) {
      clock.advance(3_600_000);
      await deliver();
    }
    const got = receiver.calls.map(bodyOf).filter((b) => ids.includes(b.data.customerId!));
    expect(new Set(got.map((b) => b.data.id)).size).toBe(18);
    expect(got.map((b) => b.data.id).sort()).toEqual(wanted.map((e: { id: string }) => e.id).sort());
    for (const id of ids) {
      const sequences = got.filter((b) => b.data.customerId === id).map((b) => b.data.sequence);
      expect(sequences).toEqual([...sequences].sort((a, b) => a! - b!));
    }
    await disable(endpoint.id);
  });

  it('retries on failure with the schedule, honours Retry-After, disables the endpoint on 410 and follows no redirect', async () => {
    const { endpoint } = await register({ url: receiver.url, types: ['TIER_CHANGED'] });
    let answer = { status: 503, headers: { 'retry-after': '120' } as Record<string, string> };
    receiver.answer = () => answer;
    await upsertRetailCustomer(app, 'hook-retry', 40_000, integrator);
    await deliver();
    let [delivery] = (await app.gql(LOG, { id: endpoint.id }, integrator)).data.webhookEndpoint.deliveries.edges.map((e: { node: unknown }) => e.node);
    expect(delivery).toMatchObject({ status: 'PENDING', attempts: 1, lastStatus: 503, nextAttemptAt: new Date(clock.now().getTime() + 120_000).toISOString() });
    answer = { status: 302, headers: { location: `${receiver.url}/elsewhere` } };
    clock.advance(120_000);
    await deliver();
    [delivery] = (await app.gql(LOG, { id: endpoint.id }, integrator)).data.webhookEndpoint.deliveries.edges.map((e: { node: unknown }) => e.node);
    expect(delivery).toMatchObject({ attempts: 2, lastStatus: 302, lastError: 'answered 302: redirects are not followed', nextAttemptAt: new Date(clock.now().getTime() + RETRY_DELAYS_MS[1]).toISOString() });
    expect(receiver.calls.filter((c) => c.body === '')).toHaveLength(0);
    expect(receiver.calls).toHaveLength(2);
    answer = { status: 410, headers: {} };
    clock.advance(RETRY_DELAYS_MS[1]);
    await deliver();
    const log = (await app.gql(LOG, { id: endpoint.id }, integrator)).data.webhookEndpoint;
    expect(log.enabled).toBe(false);
    expect(log.disabledReason).toMatch(/410 Gone/);
    expect(log.deliveries.edges[0].node.attemptLog.map((a: { status: number }) => a.status)).toEqual([503, 302, 410]);
    // Disabled: nothing more is sent; enabled again, what waited goes first.
    answer = { status: 200, headers: {} };
    clock.advance(86_400_000);
    await deliver();
    expect(receiver.calls).toHaveLength(3);
    await app.gql(`mutation($id: ID!) { webhookEndpointUpdate(input: { id: $id, enabled: true }) { userErrors { message } } }`, { id: endpoint.id }, integrator);
    await deliver();
    expect(receiver.calls).toHaveLength(4);
    expect((await app.gql(LOG, { id: endpoint.id }, integrator)).data.webhookEndpoint.deliveries.edges[0].node.status).toBe('DELIVERED');
    await disable(endpoint.id);
  });

  it('signs with both secrets while a rotation overlaps, and replays an event under its own id', async () => {
    const { endpoint, secret: old } = await register({ url: receiver.url, types: ['TIER_CHANGED'] });
    const rotated = await app.gql(`mutation($id: ID!) { webhookEndpointSecretRotate(id: $id, overlapHours: 1) { secret userErrors { message } } }`, { id: endpoint.id }, integrator);
    const fresh = rotated.data.webhookEndpointSecretRotate.secret as string;
    expect(fresh).not.toBe(old);
    await upsertRetailCustomer(app, 'hook-rotate', 40_000, integrator);
    await deliver();
    const [call] = receiver.calls;
    expect((call.headers['webhook-signature'] as string).split(' ')).toHaveLength(2);
    for (const secret of [old, fresh]) expect(() => new Webhook(secret).verify(call.body, call.headers as Record<string, string>)).not.toThrow();
    const replay = await app.gql(
      `mutation($endpointId: ID!, $eventId: ID!) { webhookEventReplay(endpointId: $endpointId, eventId: $eventId) { delivery { eventId status } userErrors { message } } }`,
      { endpointId: endpoint.id, eventId: call.headers['webhook-id'] },
      integrator,
    );
    expect(replay.data.webhookEventReplay.delivery).toEqual({ eventId: call.headers['webhook-id'], status: 'PENDING' });
    clock.advance(2 * 3_600_000);
    await deliver();
    expect(receiver.calls).toHaveLength(2);
    expect(receiver.calls[1].headers['webhook-id']).toBe(call.headers['webhook-id']);
    expect(receiver.calls[1].body).toBe(call.body);
    // The overlap is over: one signature, by the new secret only.
    expect((receiver.calls[1].headers['webhook-signature'] as string).split(' ')).toHaveLength(1);
    expect(() => new Webhook(old).verify(receiver.calls[1].body, receiver.calls[1].headers as Record<string, string>)).toThrow();
    await disable(endpoint.id);
  });

  it('does not let a slow receiver hold up another endpoint', async () => {
    const slow = await startReceiver('/slow');
    slow.answer = () => ({ status: 200, delayMs: 10_000 });
    try {
      const slowEndpoint = await register({ url: slow.url, types: ['TIER_CHANGED'] });
      const fast = await register({ url: receiver.url, types: ['TIER_CHANGED'] });
      const dispatcher = app.strata.webhooks;
      await upsertRetailCustomer(app, 'hook-slow-1', 40_000, integrator);
      await upsertRetailCustomer(app, 'hook-slow-2', 40_000, integrator);
      const started = Date.now();
      await dispatcher.tick();
      while (receiver.calls.length < 2 && Date.now() - started < 5_000) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        await dispatcher.tick();
      }
      expect(receiver.calls).toHaveLength(2);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(slow.calls.length).toBeGreaterThan(0);
      await disable(fast.endpoint.id);
      await disable(slowEndpoint.endpoint.id);
      await dispatcher.drain();
    } finally {
      await slow.close();
    }
  }, 30_000);

  it('queues each event once per endpoint and makes each try once, with three dispatchers (as three processes) on one database', async () => {
    const endpoints = [await register({ url: receiver.url, types: ['TIER_CHANGED'] }), await register({ url: `${receiver.url}/second`, types: ['TIER_CHANGED'] })];
    const names = Array.from({ length: 20 }, (_, i) => `hook-race-${i}`);
    const ids = await Promise.all(names.map((name) => upsertRetailCustomer(app, name, 40_000, integrator)));
    for (const name of names) await upsertRetailCustomer(app, name, 60_000, integrator);
    const dispatchers = [app.strata.webhooks, new WebhookDispatcher(app.strata.deps, { allowPrivate: true }), new WebhookDispatcher(app.strata.deps, { allowPrivate: true })];
    await Promise.all(dispatchers.map((d) => d.drain()));
    await Promise.all(dispatchers.map((d) => d.drain()));
    const got = receiver.calls.filter((c) => ids.includes(bodyOf(c).data.customerId!));
    expect(got).toHaveLength(80);
    for (const path of ['/hooks', '/hooks/second']) {
      const ofEndpoint = got.filter((c) => receiverPath(c) === path);
      expect(ofEndpoint).toHaveLength(40);
      expect(new Set(ofEndpoint.map((c) => c.headers['webhook-id'])).size).toBe(40);
    }
    for (const { endpoint } of endpoints) await disable(endpoint.id);
  });

  it('lets an INTEGRATOR manage only its own endpoints, ADMIN every one, and a VIEWER none', async () => {
    const other = await app.keyWithRoles(Role.INTEGRATOR);
    const viewer = await app.keyWithRoles(Role.VIEWER);
    const { endpoint } = await register({ url: receiver.url });
    const mine = await app.gql(`{ webhookEndpoints { id } }`, {}, integrator);
    expect(mine.data.webhookEndpoints.map((e: { id: string }) => e.id)).toContain(endpoint.id);
    expect((await app.gql(`{ webhookEndpoints { id } }`, {}, other)).data.webhookEndpoints).toEqual([]);
    const foreign = await app.gql(`mutation($id: ID!) { webhookEndpointDelete(id: $id) { deletedId userErrors { code field } } }`, { id: endpoint.id }, other);
    expect(foreign.data.webhookEndpointDelete).toEqual({ deletedId: null, userErrors: [{ code: 'NOT_FOUND', field: ['id'] }] });
    expect((await app.gql(`{ webhookEndpoints { id } }`, {}, viewer)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await app.gql(`{ webhookEndpoints { id } }`)).data.webhookEndpoints.map((e: { id: string }) => e.id)).toContain(endpoint.id);
    const deleted = await app.gql(`mutation($id: ID!) { webhookEndpointDelete(id: $id) { deletedId userErrors { code } } }`, { id: endpoint.id });
    expect(deleted.data.webhookEndpointDelete.deletedId).toBe(endpoint.id);
    const audit = await app.gql(`{ auditEvents(first: 10, filter: { entityType: "WEBHOOK_ENDPOINT" }) { edges { node { action after } } } }`);
    expect(JSON.stringify(audit.data ?? audit.errors)).not.toContain('whsec_');
  });
});

describe('webhooks: no calls into private networks unless allowed', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ webhooks: { allowPrivate: false } });
  });
  afterAll(() => app.close());

  it('refuses loopback, private and link-local addresses and loopback names at the url field, and stores nothing', async () => {
    for (const url of ['http://127.0.0.1:8080/hooks', 'http://localhost/hooks', 'http://10.1.2.3/hooks', 'http://192.168.0.10/', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'ftp://example.com/', 'https://user:pw@example.com/']) {
      const res = await app.gql(CREATE, { input: { url } });
      expect(res.status).toBe(200);
      expect(res.data.webhookEndpointCreate.endpoint).toBeNull();
      expect(res.data.webhookEndpointCreate.userErrors).toEqual([{ code: 'INVALID', field: ['input', 'url'], message: expect.stringMatching(/^url /) }]);
    }
    expect((await app.gql(`{ webhookEndpoints { id } }`)).data.webhookEndpoints).toEqual([]);
  });

  it('refuses at call time a name that resolves inward, so a name pointed inward later is not called', async () => {
    const receiver = await startReceiver();
    try {
      // Stored as a name that later resolves to loopback (as DNS rebinding would do).
      const created = await app.gql(CREATE, { input: { url: 'https://hooks.example.com/strata' } });
      const id = created.data.webhookEndpointCreate.endpoint.id;
      await app.db.dataSource.query(`UPDATE webhook_endpoint SET url = $2 WHERE id = $1`, [id, receiver.url.replace('127.0.0.1', 'localhost')]);
      await upsertRetailCustomer(app, 'ssrf', 40_000);
      await app.strata.webhooks.drain();
      expect(receiver.calls).toHaveLength(0);
      const [{ last_error: error }] = await app.db.dataSource.query(`SELECT last_error FROM webhook_delivery WHERE endpoint_id = $1 LIMIT 1`, [id]);
      expect(error).toMatch(/refused: localhost resolves to (127\.0\.0\.1|::1) is a loopback address/);
    } finally {
      await receiver.close();
    }
  });
});
