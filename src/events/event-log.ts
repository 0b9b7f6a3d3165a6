import { Context } from '../context';
import { DomainError } from '../shared/errors';
import { isUuid } from '../shared/ids';
import { Event, EventType, parseEventId } from './event.entity';

/** An event to append: what happened, to whom, when. */
export interface NewEvent {
  type: EventType;
  customerId: string | null;
  programKey: string | null;
  payload: Record<string, unknown>;
  /** When it happened; the transaction's instant unless given (expiries and falls take effect at their own). */
  occurredAt?: Date;
}

/** The columns a source of events gives appendEventsSql. */
export const EVENT_SOURCE_COLUMNS = 'type, occurred_at, customer_id, program_key, payload, ord';

/**
 * CTEs that append the events of `source` (a CTE or subquery with EVENT_SOURCE_COLUMNS, `ord`
 * ordering a customer's events within the statement) to the outbox, in the statement that
 * makes the change, so both commit or neither does. An event's position is its
 * transaction's id, raised where needed to the customer's last position:
 * - no event can appear below a position a reader has passed: a reader reads only below the
 *   oldest transaction still running, and a transaction still to commit has an id at least
 *   that, so its positions are too;
 * - a customer's events never go down: whoever writes a customer's events holds its locks
 *   (every writer locks the customer's assignments first), so an earlier writer of the
 *   customer committed before this statement began and its last position is read here (the
 *   probe lands on the index page the insert then writes). A transaction that took its id
 *   before waiting for that writer sorts after it, not before. Ties are broken by the
 *   serial id, drawn in the same order.
 */
export function appendEventsSql(source: string, recordedAt: string): string {
  return `ev_source AS MATERIALIZED (SELECT ${EVENT_SOURCE_COLUMNS} FROM ${source}),
       ev_appended AS (
         INSERT INTO event (position, type, occurred_at, recorded_at, customer_id, program_key, payload)
         SELECT GREATEST(pg_current_xact_id()::text::bigint,
                         (SELECT max(x.position) FROM event x WHERE x.customer_id = e.customer_id)),
                e.type, e.occurred_at, ${recordedAt}, e.customer_id, e.program_key, e.payload
           FROM ev_source e ORDER BY e.customer_id, e.ord
         RETURNING 1)`;
}

/**
 * A customer's event number (alias `e`): its events in feed order up to this one, with those
 * pruned before them. Counted when read, through the customer index, so writing an event
 * touches no per-customer row.
 */
export const EVENT_SEQUENCE_SQL = `CASE WHEN e.customer_id IS NOT NULL THEN
       (SELECT count(*) FROM event x WHERE x.customer_id = e.customer_id AND (x.position, x.id) <= (e.position, e.id))
       + COALESCE((SELECT p.pruned FROM customer_event_pruned p WHERE p.customer_id = e.customer_id), 0) END`;

/**
 * The feed's horizon: the oldest transaction still running in the statement's snapshot
 * (pg_snapshot_xmin), leaving out transactions positively known to be of another database of
 * the cluster (transaction ids are cluster-wide, and Strata's events are only written here):
 * a long write elsewhere on a shared server does not hold the feed back. A transaction that
 * cannot be placed (pg_stat_activity hides other users' sessions without pg_read_all_stats)
 * counts, so the horizon is never later than it should be.
 */
const FEED_HORIZON_SQL = `(SELECT COALESCE(min(x::text::bigint), pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
     FROM pg_snapshot_xip(pg_current_snapshot()) x
    WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                       WHERE a.datname <> current_database() AND a.backend_xid::text = (x::text::bigint % 4294967296)::text))`;

/**
 * The events every transaction has finished writing (alias `e`): those below the horizon.
 * Every reader of the feed reads through it.
 */
export const READABLE_EVENTS_SQL = `e.position < ${FEED_HORIZON_SQL}`;

/** Feed page size: larger than a connection's, since integrators read the feed in bulk. */
export const FEED_PAGE = { default: 100, max: 1_000 } as const;

export interface FeedArgs {
  after?: string | null;
  types?: EventType[] | null;
  customerId?: string | null;
  first?: number | null;
}

export interface FeedPage {
  events: Event[];
  /** Where to read on from: the last event's id, or `after` again when none was readable. */
  endCursor: string | null;
  hasMore: boolean;
}

/**
 * The outbox: appended in the transactions of the changes (appendEventsSql), read as an
 * ordered, gap-free feed, pruned after the retention period.
 */
export class EventLog {
  /** Off only to measure what the outbox costs (the benchmarks' baseline): nothing is appended. */
  constructor(private readonly enabled = true) {}

  /** appendEventsSql, or CTEs that append nothing when the outbox is off. */
  appendSql(source: string, recordedAt: string): string {
    return this.enabled ? appendEventsSql(source, recordedAt) : 'ev_appended AS (SELECT 1 WHERE false)';
  }

  /** Appends events in the caller's transaction, in the order given per customer. */
  async append(tx: Context, events: readonly NewEvent[]): Promise<void> {
    if (events.length === 0 || !this.enabled) return;
    const now = tx.deps.clock.now();
    const rows = events.map((e, ord) => ({ type: e.type, occurred_at: (e.occurredAt ?? now).toISOString(), customer_id: e.customerId, program_key: e.programKey, payload: e.payload, ord }));
    await tx.db.query(
      `WITH ${appendEventsSql(`jsonb_to_recordset($1::jsonb) AS s(type text, occurred_at timestamptz, customer_id uuid, program_key text, payload jsonb, ord int)`, '$2::timestamptz')}
       SELECT count(*) FROM ev_appended`,
      [JSON.stringify(rows), now],
    );
  }

  /** The feed from a cursor (readFeed). */
  read(ctx: Context, args: FeedArgs): Promise<FeedPage> {
    return readFeed(ctx, args);
  }

  /**
   * Deletes events recorded before `before`, oldest first, a batch per call; returns how many.
   * Only the head of the feed is deleted, so a reader's cursor stays valid past them; each
   * customer's count of pruned events keeps its numbering going.
   */
  async prune(tx: Context, before: Date, batch: number): Promise<number> {
    const [{ deleted }]: { deleted: number }[] = await tx.db.query(
      `WITH deleted AS (
         DELETE FROM event e USING (SELECT position, id FROM event ORDER BY position, id LIMIT $2) head
          WHERE e.position = head.position AND e.id = head.id AND e.recorded_at < $1
         RETURNING e.customer_id),
       counted AS (
         INSERT INTO customer_event_pruned AS p (customer_id, pruned)
         SELECT customer_id, count(*) FROM deleted WHERE customer_id IS NOT NULL GROUP BY customer_id
         ON CONFLICT (customer_id) DO UPDATE SET pruned = p.pruned + EXCLUDED.pruned)
       SELECT count(*)::int AS deleted FROM deleted`,
      [before, batch],
    );
    return deleted;
  }
}

/**
 * The events after `after`, in feed order, that every transaction has finished writing:
 * only positions below the oldest transaction still running are read, so an event that
 * commits after a later one is never skipped; it waits until it can be read in its place.
 */
export async function readFeed(ctx: Context, args: FeedArgs): Promise<FeedPage> {
  const size = args.first ?? FEED_PAGE.default;
  if (!Number.isInteger(size) || size < 1 || size > FEED_PAGE.max) throw new DomainError('BAD_USER_INPUT', `first must be between 1 and ${FEED_PAGE.max}, got ${size}`);
  const cursor = args.after ? parseEventId(args.after) : { position: '0', serial: '0' };
  if (!cursor) throw new DomainError('BAD_USER_INPUT', 'after is not an event id from this feed (evt_…)');
  if (args.customerId && !isUuid(args.customerId)) throw new DomainError('BAD_USER_INPUT', 'customerId is not a customer id');
  const params: unknown[] = [cursor.position, cursor.serial, size + 1];
  const filters: string[] = [];
  if (args.types?.length) filters.push(`e.type = ANY($${params.push(args.types)}::text[])`);
  if (args.customerId) filters.push(`e.customer_id = $${params.push(args.customerId)}::uuid`);
  const rows: (Record<string, unknown> & { external_id: string | null })[] = await ctx.db.query(
    `SELECT e.position, e.id AS serial, e.type, e.occurred_at, e.recorded_at, e.customer_id, ${EVENT_SEQUENCE_SQL} AS sequence, e.program_key, e.payload, c.external_id
       FROM event e LEFT JOIN customer c ON c.id = e.customer_id
      WHERE (e.position, e.id) > ($1::bigint, $2::bigint) AND ${READABLE_EVENTS_SQL}
        ${filters.map((f) => `AND ${f}`).join(' ')}
      ORDER BY e.position, e.id LIMIT $3`,
    params,
  );
  const events = rows.slice(0, size).map(toEvent);
  return { events, endCursor: events.at(-1)?.eventId ?? args.after ?? null, hasMore: rows.length > size };
}


function toEvent(row: Record<string, unknown>): Event {
  return Object.assign(new Event(), {
    position: String(row.position),
    serial: String(row.serial),
    type: row.type as EventType,
    occurredAt: row.occurred_at as Date,
    recordedAt: row.recorded_at as Date,
    customerId: (row.customer_id as string | null) ?? null,
    sequence: row.sequence === null ? null : Number(row.sequence),
    programKey: (row.program_key as string | null) ?? null,
    payload: row.payload as Record<string, unknown>,
    externalId: (row.external_id as string | null) ?? null,
  });
}

/** Events read per query while a subscription catches up from its cursor. */
const FOLLOW_PAGE = 500;

/**
 * The feed from a cursor, then live: every event after `after` in feed order, read page by
 * page, then a wait for the next wake-up (a commit's notification, or the poll) and a read
 * again. Ends when the subscriber leaves (the consumer returns) or `signal` aborts.
 */
export async function* followEvents(ctx: Context, args: Omit<FeedArgs, 'first'>, wake: { next(): Promise<void> }, signal?: AbortSignal): AsyncGenerator<Event> {
  let after = args.after ?? null;
  while (!signal?.aborted) {
    const page = await readFeed(ctx, { ...args, after, first: FOLLOW_PAGE });
    for (const event of page.events) {
      after = event.eventId;
      yield event;
    }
    if (!page.hasMore) await wake.next();
  }
}
