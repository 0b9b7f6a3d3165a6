import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Context, ServerDeps, systemContext } from '../context';
import { EVENT_SEQUENCE_SQL, READABLE_EVENTS_SQL } from '../events/event-log';
import { eventId } from '../events/event.entity';
import { logger } from '../shared/logger';
import { Poller } from '../shared/poller';
import { withTransaction } from '../shared/transaction';
import { signatureHeader } from './signing';
import { guardedLookup } from './target-address';
import { WebhookDeliveryStatus } from './webhook-delivery.entity';

/**
 * After a failed try, how long until the next (the Standard Webhooks / Svix schedule): 5 s,
 * 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, so a receiver down for a day still gets every event;
 * after the eighth try the delivery is FAILED (webhookEventReplay sends it again).
 */
export const RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
/** Retry-After is honoured up to this long. */
const MAX_RETRY_AFTER_MS = 86_400_000;

export interface WebhookOptions {
  /** Lets endpoints reach private and loopback addresses (STRATA_WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate?: boolean;
  /** How long one try may take before it counts as failed. */
  timeoutMs?: number;
  pollMs?: number;
  /** Calls in flight from this process, and per endpoint, so a slow receiver holds only its own. */
  concurrency?: number;
  perEndpoint?: number;
  /** Events read from the feed per endpoint per statement when queueing. */
  fanOutBatch?: number;
  start?: boolean;
  /** Randomness of the retry delays (tests fix it); ±20 % of each delay. */
  jitter?: () => number;
}

interface ClaimedDelivery {
  id: string;
  endpoint_id: string;
  event_position: string;
  event_serial: string;
  customer_id: string | null;
  attempts: number;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: Date | null;
}

interface Outcome {
  status: number | null;
  latencyMs: number;
  error: string | null;
  retryAfterMs: number | null;
}

/**
 * Sends every event to every endpoint that wants it, in any number of Strata processes on one
 * database: each endpoint's feed position is advanced under its row lock as its deliveries
 * are queued (so each event is queued once per endpoint), and each try is leased, so one
 * process makes it. A customer's deliveries to one endpoint go one at a time in feed order:
 * only the oldest pending one is due (the next is made due when it ends). All state is in
 * PostgreSQL; due times follow Strata's clock, leases PostgreSQL's.
 */
export class WebhookDispatcher {
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly perEndpoint: number;
  private readonly fanOutBatch: number;
  private readonly allowPrivate: boolean;
  private readonly jitter: () => number;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly poller: Poller<number>;
  private started = false;
  private refilling: Promise<unknown> | null = null;
  private refillAgain = false;
  /** Connections kept open between calls to the same receiver (each checked by the lookup hook when opened). */
  private readonly agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

  constructor(
    private readonly deps: ServerDeps,
    options: WebhookOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.concurrency = options.concurrency ?? 32;
    this.perEndpoint = options.perEndpoint ?? 4;
    this.fanOutBatch = options.fanOutBatch ?? 5_000;
    this.allowPrivate = options.allowPrivate ?? false;
    this.jitter = options.jitter ?? (() => 0.8 + Math.random() * 0.4);
    this.poller = new Poller(() => this.run(), options.pollMs ?? 1_000, 'webhook dispatch failed');
  }

  start(): void {
    this.started = true;
    this.poller.start();
  }

  /** Stops taking work and waits for the calls in flight to be recorded. */
  async stop(): Promise<void> {
    this.started = false;
    await this.poller.stop();
    await this.refilling;
    await Promise.allSettled([...this.inFlight]);
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** Queues new events and starts the tries that are due, up to the free slots; resolves with how many it started. */
  tick(): Promise<number> {
    return this.poller.tick();
  }

  /** Ticks until nothing is due and nothing is in flight (tests, by Strata's clock as it stands). */
  async drain(): Promise<void> {
    for (;;) {
      const started = await this.tick();
      if (this.inFlight.size > 0) await Promise.race([...this.inFlight]);
      else if (started === 0) return;
    }
  }

  private async run(): Promise<number> {
    if (this.poller.stopped) return 0;
    const ctx = systemContext(this.deps, 'webhooks');
    await this.queueEvents(ctx);
    const free = this.concurrency - this.inFlight.size;
    if (free <= 0) return 0;
    const claimed = await this.claim(ctx, free);
    for (const delivery of claimed) {
      const call: Promise<void> = this.attempt(ctx, delivery)
        .catch((err) => logger.error({ err, delivery: delivery.id }, 'webhook delivery could not be recorded; it is tried again when its lease lapses'))
        .finally(() => {
          this.inFlight.delete(call);
          this.refill();
        });
      this.inFlight.add(call);
    }
    return claimed.length;
  }

  /**
   * A call ended: its slot is free, and the customer's next delivery may be due now, so look
   * again at once rather than at the next poll (while started; tests drive ticks themselves).
   */
  private refill(): void {
    if (!this.started || this.poller.stopped) return;
    if (this.refilling) {
      this.refillAgain = true;
      return;
    }
    this.refilling = this.tick()
      .catch((err) => logger.error({ err }, 'webhook dispatch failed'))
      .finally(() => {
        this.refilling = null;
        if (this.refillAgain) {
          this.refillAgain = false;
          this.refill();
        }
      });
  }

  /** Queues, for every enabled endpoint, the events after its feed position, a batch per transaction. */
  private async queueEvents(ctx: Context): Promise<void> {
    const endpoints: { id: string }[] = await ctx.db.query('SELECT id FROM webhook_endpoint WHERE enabled ORDER BY id');
    for (const { id } of endpoints) {
      while (!this.poller.stopped && (await withTransaction(ctx, (tx) => this.queueBatch(tx, id))) === this.fanOutBatch) {
        // the next batch of the same endpoint
      }
    }
  }

  /**
   * One batch: reads the feed gap-free after the endpoint's position (below the oldest running
   * transaction, as the events query does), queues the events of its types, and moves the
   * position past every event read. The first pending delivery of a customer is due now; the
   * others wait behind it. Skips an endpoint another process is queueing for.
   */
  private async queueBatch(tx: Context, endpointId: string): Promise<number> {
    const now = tx.deps.clock.now();
    const [row]: { scanned: number }[] = await tx.db.query(
      `WITH ep AS MATERIALIZED (
         SELECT id, event_types, feed_position, feed_serial FROM webhook_endpoint WHERE id = $1 AND enabled FOR UPDATE SKIP LOCKED),
       scanned AS MATERIALIZED (
         SELECT e.position, e.id, e.type, e.customer_id FROM event e, ep
          WHERE (e.position, e.id) > (ep.feed_position, ep.feed_serial) AND ${READABLE_EVENTS_SQL}
          ORDER BY e.position, e.id LIMIT $2),
       wanted AS (
         SELECT s.*, row_number() OVER (PARTITION BY s.customer_id ORDER BY s.position, s.id) AS nth FROM scanned s, ep
          WHERE ep.event_types IS NULL OR s.type = ANY(ep.event_types)),
       queued AS (
         INSERT INTO webhook_delivery (endpoint_id, event_position, event_serial, event_type, customer_id, status, attempts, next_attempt_at, created_at)
         SELECT $1, w.position, w.id, w.type, w.customer_id, '${WebhookDeliveryStatus.PENDING}', 0,
                CASE WHEN w.customer_id IS NULL OR (w.nth = 1 AND NOT EXISTS (
                       SELECT 1 FROM webhook_delivery p WHERE p.endpoint_id = $1 AND p.customer_id = w.customer_id AND p.status = '${WebhookDeliveryStatus.PENDING}'))
                     THEN $3::timestamptz END,
                $3
           FROM wanted w ORDER BY w.position, w.id),
       last AS (SELECT position, id FROM scanned ORDER BY position DESC, id DESC LIMIT 1),
       moved AS (UPDATE webhook_endpoint w SET feed_position = last.position, feed_serial = last.id FROM last WHERE w.id = $1)
       SELECT count(*)::int AS scanned FROM scanned`,
      [endpointId, this.fanOutBatch, now],
    );
    return row.scanned;
  }

  /** Leases up to `limit` due tries, at most perEndpoint in flight per endpoint across processes. */
  private async claim(ctx: Context, limit: number): Promise<ClaimedDelivery[]> {
    const [rows]: [ClaimedDelivery[], number] = await ctx.db.query(
      `WITH candidates AS (
         SELECT d.id FROM webhook_endpoint w
          CROSS JOIN LATERAL (
            SELECT d.id FROM webhook_delivery d
             WHERE d.endpoint_id = w.id AND d.status = '${WebhookDeliveryStatus.PENDING}' AND d.next_attempt_at <= $1
               AND (d.lease_until IS NULL OR d.lease_until < now())
             ORDER BY d.next_attempt_at, d.id
             LIMIT GREATEST(0, $2 - (SELECT count(*) FROM webhook_delivery b
                                      WHERE b.endpoint_id = w.id AND b.status = '${WebhookDeliveryStatus.PENDING}' AND b.lease_until >= now()))) d
          WHERE w.enabled
          LIMIT $3),
       picked AS (SELECT d.id FROM webhook_delivery d WHERE d.id IN (SELECT id FROM candidates) FOR UPDATE OF d SKIP LOCKED)
       UPDATE webhook_delivery d SET lease_until = now() + $4 * interval '1 millisecond'
         FROM picked, webhook_endpoint w
        WHERE d.id = picked.id AND w.id = d.endpoint_id AND d.status = '${WebhookDeliveryStatus.PENDING}' AND (d.lease_until IS NULL OR d.lease_until < now())
       RETURNING d.id, d.endpoint_id, d.event_position, d.event_serial, d.customer_id, d.attempts, w.url, w.secret, w.previous_secret, w.previous_secret_until`,
      [ctx.deps.clock.now(), this.perEndpoint, limit, this.timeoutMs * 2 + 10_000],
    );
    return rows;
  }

  /** Makes one try and records it. */
  private async attempt(ctx: Context, delivery: ClaimedDelivery): Promise<void> {
    const [event]: { type: string; occurred_at: Date; customer_id: string | null; sequence: string | null; program_key: string | null; payload: Record<string, unknown>; external_id: string | null }[] =
      await ctx.db.query(
        `SELECT e.type, e.occurred_at, e.customer_id, ${EVENT_SEQUENCE_SQL} AS sequence, e.program_key, e.payload, c.external_id
           FROM event e LEFT JOIN customer c ON c.id = e.customer_id WHERE e.position = $1 AND e.id = $2`,
        [delivery.event_position, delivery.event_serial],
      );
    const id = eventId(delivery.event_position, delivery.event_serial);
    const outcome: Outcome = event
      ? await this.send(delivery, id, {
          type: event.type,
          timestamp: event.occurred_at.toISOString(),
          data: {
            id,
            customerId: event.customer_id,
            customerExternalId: event.external_id,
            programKey: event.program_key,
            sequence: event.sequence === null ? null : Number(event.sequence),
            ...event.payload,
          },
        })
      : { status: null, latencyMs: 0, error: 'the event was pruned (past the retention period) before it could be delivered', retryAfterMs: null };
    await withTransaction(ctx, (tx) => this.record(tx, delivery, outcome, event !== undefined));
  }

  private send(delivery: ClaimedDelivery, id: string, body: Record<string, unknown>): Promise<Outcome> {
    const text = JSON.stringify(body);
    // The real time of sending, not Strata's clock: receivers check it against theirs to refuse replays.
    const timestamp = Math.floor(Date.now() / 1000);
    const overlap = delivery.previous_secret && delivery.previous_secret_until && delivery.previous_secret_until > this.deps.clock.now();
    const secrets = overlap ? [delivery.secret, delivery.previous_secret!] : [delivery.secret];
    const url = new URL(delivery.url);
    const started = performance.now();
    return new Promise<Outcome>((resolve) => {
      const done = (status: number | null, error: string | null, retryAfterMs: number | null = null) =>
        resolve({ status, error, retryAfterMs, latencyMs: Math.round(performance.now() - started) });
      const call = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
        url,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(text),
            'user-agent': 'Strata-Webhooks/1',
            'webhook-id': id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signatureHeader(secrets, id, timestamp, text),
          },
          lookup: guardedLookup(this.allowPrivate),
          agent: url.protocol === 'https:' ? this.agents.https : this.agents.http,
          signal: AbortSignal.timeout(this.timeoutMs),
        },
        (response) => {
          // The answer's status is all that counts; its body is read and dropped.
          response.resume();
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) return done(status, null);
          const error = status >= 300 && status < 400 ? `answered ${status}: redirects are not followed` : `answered ${status}`;
          done(status, error, status === 429 || status === 503 ? retryAfter(response.headers['retry-after'], this.deps.clock.now()) : null);
        },
      );
      call.on('error', (error: Error & { code?: string }) =>
        done(null, error.name === 'TimeoutError' || error.name === 'AbortError' ? `no answer within ${this.timeoutMs} ms` : error.message),
      );
      call.end(text);
    });
  }

  /**
   * Records a try: its log row, the delivery's state and, when it ends, makes the customer's
   * next delivery to the endpoint due. Locks the endpoint row for share, so queueing (which
   * locks it for update) never looks at the customer's deliveries half-way through this.
   */
  private async record(tx: Context, delivery: ClaimedDelivery, outcome: Outcome, eventKept: boolean): Promise<void> {
    const now = tx.deps.clock.now();
    await tx.db.query('SELECT 1 FROM webhook_endpoint WHERE id = $1 FOR SHARE', [delivery.endpoint_id]);
    const attempt = delivery.attempts + 1;
    const delivered = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    // After the last delay of the schedule there is no next try, whatever Retry-After says.
    const scheduled = RETRY_DELAYS_MS[attempt - 1];
    const next = delivered || !eventKept || scheduled === undefined ? null : new Date(now.getTime() + (outcome.retryAfterMs ?? Math.round(scheduled * this.jitter())));
    const status = delivered ? WebhookDeliveryStatus.DELIVERED : next ? WebhookDeliveryStatus.PENDING : WebhookDeliveryStatus.FAILED;
    const [, updated]: [unknown, number] = await tx.db.query(
      `UPDATE webhook_delivery SET status = $2, attempts = $3, next_attempt_at = $4, lease_until = NULL, last_attempt_at = $5, last_status = $6,
              last_latency_ms = $7, last_error = $8, delivered_at = CASE WHEN $2 = '${WebhookDeliveryStatus.DELIVERED}' THEN $5::timestamptz END
        WHERE id = $1 AND status = '${WebhookDeliveryStatus.PENDING}'`,
      [delivery.id, status, attempt, next, now, outcome.status, outcome.latencyMs, outcome.error],
    );
    if (updated === 0) return;
    await tx.db.query(
      `INSERT INTO webhook_attempt (delivery_id, attempt, at, status, latency_ms, error, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [delivery.id, attempt, now, outcome.status, outcome.latencyMs, outcome.error, next],
    );
    if (outcome.status === 410) {
      await tx.db.query(`UPDATE webhook_endpoint SET enabled = false, disabled_reason = $2, updated_at = now() WHERE id = $1`, [
        delivery.endpoint_id,
        `the receiver answered 410 Gone at ${now.toISOString()}`,
      ]);
    }
    if (status !== WebhookDeliveryStatus.PENDING && delivery.customer_id !== null) {
      await tx.db.query(
        // Unless another of the customer's deliveries is still due or retrying (a replay ended, not the head).
        `UPDATE webhook_delivery SET next_attempt_at = $3
          WHERE id = (SELECT id FROM webhook_delivery WHERE endpoint_id = $1 AND customer_id = $2 AND status = '${WebhookDeliveryStatus.PENDING}' AND next_attempt_at IS NULL
                       ORDER BY event_position, event_serial LIMIT 1)
            AND NOT EXISTS (SELECT 1 FROM webhook_delivery h WHERE h.endpoint_id = $1 AND h.customer_id = $2 AND h.status = '${WebhookDeliveryStatus.PENDING}' AND h.next_attempt_at IS NOT NULL)`,
        [delivery.endpoint_id, delivery.customer_id, now],
      );
    }
  }
}

/** Retry-After in seconds or as an HTTP date, as milliseconds from now (at least 1 s, at most a day); null when absent or unreadable. */
export function retryAfter(header: string | string[] | undefined, now: Date): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  const ms = /^\d+$/.test(value.trim()) ? Number(value) * 1000 : Date.parse(value) - now.getTime();
  return Number.isFinite(ms) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(1_000, ms)) : null;
}
