import { Context } from '../context';
import { Connection, PageArgs, keyset, pageRequest, toConnection } from '../shared/pagination';
import { AuditAction } from './audit-actions';
import { AuditEvent } from './audit-event.entity';

export type AuditEntityType = 'PROGRAM' | 'RULE_DRAFT' | 'FACT' | 'ENTITLEMENT' | 'GRANT' | 'OVERRIDE' | 'API_KEY' | 'CUSTOMER' | 'WEBHOOK_ENDPOINT';

export interface AuditEntry {
  action: AuditAction;
  entityType: AuditEntityType;
  entityKey: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditFilter {
  entityType?: string | null;
  entityKey?: string | null;
  action?: string | null;
  actorName?: string | null;
  since?: Date | null;
  until?: Date | null;
}

/** The audit log: appended inside the transaction of the change it records. */
export class AuditService {
  async record(tx: Context, entry: AuditEntry): Promise<void> {
    await tx.db.insert(AuditEvent, {
      at: tx.deps.clock.now(),
      actorName: tx.actor.name,
      actorKeyId: tx.actor.keyId,
      action: entry.action,
      entityType: entry.entityType,
      entityKey: entry.entityKey,
      before: (entry.before === undefined ? null : toJson(entry.before)) as never,
      after: (entry.after === undefined ? null : toJson(entry.after)) as never,
      requestId: tx.requestId,
    });
  }

  /** Many entries of one caller in one statement (the scheduler records thousands of expiries at once). */
  async recordMany(tx: Context, entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await tx.db.query(
      `INSERT INTO audit_event (at, actor_name, actor_key_id, action, entity_type, entity_key, before, after, request_id)
       SELECT $1, $2, $3, e.action, e.entity_type, e.entity_key, e.before, e.after, $4
         FROM jsonb_to_recordset($5::jsonb) AS e(action text, entity_type text, entity_key text, before jsonb, after jsonb)`,
      [
        tx.deps.clock.now(),
        tx.actor.name,
        tx.actor.keyId,
        tx.requestId,
        JSON.stringify(entries.map((e) => ({ action: e.action, entity_type: e.entityType, entity_key: e.entityKey, before: e.before ?? null, after: e.after ?? null }))),
      ],
    );
  }

  /** Whether the key recorded any of the actions on the entity. */
  async wrote(ctx: Context, entityType: AuditEntityType, entityKey: string, actorKeyId: string, actions: readonly string[]): Promise<boolean> {
    const rows = await ctx.db.query(
      'SELECT 1 FROM audit_event WHERE entity_type = $1 AND entity_key = $2 AND actor_key_id = $3 AND action = ANY($4::text[]) LIMIT 1',
      [entityType, entityKey, actorKeyId, actions],
    );
    return rows.length > 0;
  }

  /** Newest first. */
  list(ctx: Context, filter: AuditFilter, page: PageArgs): Promise<Connection<AuditEvent>> {
    const request = pageRequest(page, 'bigint');
    const query = ctx.db.createQueryBuilder(AuditEvent, 'e');
    if (filter.entityType) query.andWhere('e.entity_type = :entityType', { entityType: filter.entityType });
    if (filter.entityKey) query.andWhere('e.entity_key = :entityKey', { entityKey: filter.entityKey });
    if (filter.action) query.andWhere('e.action = :action', { action: filter.action });
    if (filter.actorName) query.andWhere('e.actor_name = :actorName', { actorName: filter.actorName });
    if (filter.since) query.andWhere('e.at >= :since', { since: filter.since });
    if (filter.until) query.andWhere('e.at < :until', { until: filter.until });
    const count = () => query.clone().getCount();
    const { op, order } = keyset(request, 'DESC');
    if (request.cursor) query.andWhere(`e.id ${op} :cursor`, { cursor: request.cursor });
    return query
      .orderBy('e.id', order)
      .limit(request.size + 1)
      .getMany()
      .then((rows) => toConnection(rows, request, (e) => e.id, count));
  }
}

/** Entities as plain JSON: relations and undefined fields dropped, dates as ISO strings. */
function toJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
