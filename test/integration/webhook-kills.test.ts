import { setTimeout as sleep } from 'node:timers/promises';
import { eventId } from '../../src/events/event.entity';
import { Role } from '../../src/shared/role';
import { TestApp, startTestApp, upsertRetailCustomer } from '../helpers/app';
import { Receiver, startReceiver } from '../helpers/receiver';
import { startService } from '../helpers/service-process';

const CUSTOMERS = 60;
const BALANCES = [500, 15_000, 600_000, 60_000];
const KILLS = 20;

/**
 * Deliveries killed mid-flight: the built service sends every tier.changed of 60 customers
 * (4 changes each) to a local receiver that answers after a few milliseconds, and is
 * SIGKILLed 20 times at random points of delivery (between a call and its record, in the
 * middle of queueing); a last process finishes. No event may be lost, a call repeated only
 * under its own webhook-id with the same body, and each customer's events must first reach
 * the receiver in their order.
 */
describe('webhook deliveries under SIGKILL', () => {
  let app: TestApp;
  let receiver: Receiver;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false } });
    receiver = await startReceiver();
    receiver.answer = () => ({ status: 204, delayMs: Math.floor(Math.random() * 6) });
    const integrator = await app.keyWithRoles(Role.INTEGRATOR);
    const created = await app.gql(`mutation($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) { userErrors { message } } }`, {
      input: { url: receiver.url, types: ['TIER_CHANGED'] },
    });
    expect(created.data.webhookEndpointCreate.userErrors).toEqual([]);
    for (const balance of BALANCES) {
      await Promise.all(Array.from({ length: CUSTOMERS }, (_, i) => upsertRetailCustomer(app, `kill-${i}`, balance, integrator)));
    }
  });
  afterAll(async () => {
    await receiver.close();
    await app.close();
  });

  const worker = () =>
    startService({ DATABASE_URL: app.db.url, STRATA_WEBHOOK_ALLOW_PRIVATE: 'true', STRATA_WEBHOOK_POLL_MS: '20', STRATA_SHUTDOWN_DELAY_MS: '0', SEED_CUSTOMERS: '0' }, { waitReady: false });

  it(`loses no event and repeats one only under its own id, after ${KILLS} SIGKILLs`, async () => {
    const [{ events }] = await app.db.dataSource.query(`SELECT count(*)::int AS events FROM event WHERE type = 'tier.changed'`);
    expect(events).toBeGreaterThanOrEqual(CUSTOMERS * 3);
    let killedMidway = 0;
    for (let kill = 0; kill < KILLS; kill += 1) {
      const { child, exited } = await worker();
      const before = receiver.calls.length;
      const target = before + 1 + Math.floor(Math.random() * 8);
      for (const started = Date.now(); receiver.calls.length < target && Date.now() - started < 20_000; ) await sleep(1);
      await sleep(Math.random() * 4);
      child.kill('SIGKILL');
      expect(await exited).toMatchObject({ signal: 'SIGKILL' });
      if (receiver.calls.length < events) killedMidway += 1;
      // The dead process's leases run out (40 s here; at once for the test).
      await app.db.dataSource.query(`UPDATE webhook_delivery SET lease_until = now() WHERE lease_until IS NOT NULL`);
    }
    const last = await worker();
    for (let pending = 1; pending > 0; await sleep(20)) {
      pending = (await app.db.dataSource.query(`SELECT count(*)::int AS n FROM webhook_delivery WHERE status <> 'DELIVERED'`))[0].n;
    }
    last.child.kill('SIGTERM');
    expect(await last.exited).toMatchObject({ code: 0 });

    const feed: { id: string; customer_id: string }[] = (
      await app.db.dataSource.query(`SELECT position, id, customer_id FROM event WHERE type = 'tier.changed' ORDER BY position, id`)
    ).map((e: { position: string; id: string; customer_id: string }) => ({ id: eventId(e.position, e.id), customer_id: e.customer_id }));
    const bodies = new Map<string, Set<string>>();
    const firstSeen: string[] = [];
    for (const call of receiver.calls) {
      const id = call.headers['webhook-id'] as string;
      if (!bodies.has(id)) firstSeen.push(id);
      (bodies.get(id) ?? bodies.set(id, new Set()).get(id)!).add(call.body);
    }
    const order = (ids: string[], customer: string) => ids.filter((id) => feed.find((e) => e.id === id)!.customer_id === customer);
    const customers = [...new Set(feed.map((e) => e.customer_id))];
    expect({
      killedMidway: killedMidway >= KILLS / 2,
      lost: feed.filter((e) => !bodies.has(e.id)).length,
      unknown: [...bodies.keys()].filter((id) => !feed.some((e) => e.id === id)).length,
      oneBodyPerId: [...bodies.values()].every((set) => set.size === 1),
      outOfOrder: customers.filter((c) => order(firstSeen, c).join() !== order(feed.map((e) => e.id), c).join()).length,
    }).toEqual({ killedMidway: true, lost: 0, unknown: 0, oneBodyPerId: true, outOfOrder: 0 });
    process.stdout.write(`webhook kills: ${feed.length} events, ${receiver.calls.length} calls (${receiver.calls.length - feed.length} repeated under their own id), ${KILLS} SIGKILLs\n`);
  }, 240_000);
});
