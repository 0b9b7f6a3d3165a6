import { lookup } from 'node:dns/promises';
import { AuditService } from '../audit/audit.service';
import { Context } from '../context';
import { READABLE_EVENTS_SQL } from '../events/event-log';
import { EventType, parseEventId } from '../events/event.entity';
import { isUuid } from '../shared/ids';
import { Connection, PageArgs, keyset, pageRequest, toConnection } from '../shared/pagination';
import { Role, hasRole } from '../shared/role';
import { UserError, throwIfAny, userError } from '../shared/user-error';
import { newSigningSecret } from './signing';
import { refusedAddress, urlProblem } from './target-address';
import { WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';

export interface WebhookEndpointInput {
  url: string;
  description?: string | null;
  types?: EventType[] | null;
}

export interface WebhookEndpointUpdate {
  id: string;
  url?: string | null;
  description?: string | null;
  /** Given (even as null, for every type) only when it changes. */
  types?: EventType[] | null;
  enabled?: boolean | null;
}

const MAX_URL = 2_000;
const MAX_DESCRIPTION = 500;
/** How long the secret before a rotation still signs beside the new one, unless asked otherwise. */
const DEFAULT_OVERLAP_HOURS = 24;

/** Registering receivers of the event feed, and what was sent to them. */
export class WebhookService {
  constructor(
    private readonly audit: AuditService,
    private readonly allowPrivate: boolean,
  ) {}

  /** The endpoints the caller may see: all for ADMIN, its own for an INTEGRATOR. */
  list(ctx: Context): Promise<WebhookEndpoint[]> {
    return ctx.db.find(WebhookEndpoint, { where: this.visible(ctx), order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** One endpoint the caller may see; null otherwise (another key's endpoint is not found, not forbidden). */
  async get(ctx: Context, id: string): Promise<WebhookEndpoint | null> {
    return isUuid(id) ? ctx.db.findOne(WebhookEndpoint, { where: { id, ...this.visible(ctx) } }) : null;
  }

  /** Registers an endpoint; it receives the events that follow. The secret is answered here only. */
  async create(tx: Context, input: WebhookEndpointInput): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    throwIfAny(await this.problems(input.url, input.description ?? null));
    const [head]: { position: string; id: string }[] = await tx.db.query(`SELECT e.position, e.id FROM event e WHERE ${READABLE_EVENTS_SQL} ORDER BY e.position DESC, e.id DESC LIMIT 1`);
    const secret = newSigningSecret();
    const endpoint = await tx.db.save(
      Object.assign(new WebhookEndpoint(), {
        url: input.url,
        description: input.description?.trim() ?? '',
        types: distinct(input.types),
        secret,
        previousSecret: null,
        previousSecretUntil: null,
        enabled: true,
        disabledReason: null,
        ownerKeyId: tx.actor.keyId,
        ownerName: tx.actor.name,
        feedPosition: head?.position ?? '0',
        feedSerial: head?.id ?? '0',
      }),
    );
    await this.audit.record(tx, { action: 'webhookEndpointCreate', entityType: 'WEBHOOK_ENDPOINT', entityKey: endpoint.id, after: shown(endpoint) });
    return { endpoint, secret };
  }

  async update(tx: Context, input: WebhookEndpointUpdate): Promise<WebhookEndpoint> {
    const endpoint = await this.locked(tx, input.id, ['input', 'id']);
    throwIfAny(await this.problems(input.url ?? endpoint.url, input.description ?? null));
    const before = shown(endpoint);
    if (input.url != null) endpoint.url = input.url;
    if (input.description != null) endpoint.description = input.description.trim();
    if (input.types !== undefined) endpoint.types = distinct(input.types);
    if (input.enabled != null && input.enabled !== endpoint.enabled) {
      endpoint.enabled = input.enabled;
      endpoint.disabledReason = input.enabled ? null : `disabled by ${tx.actor.name}`;
    }
    const saved = await tx.db.save(endpoint);
    await this.audit.record(tx, { action: 'webhookEndpointUpdate', entityType: 'WEBHOOK_ENDPOINT', entityKey: saved.id, before, after: shown(saved) });
    return saved;
  }

  /** Deletes the endpoint and its delivery log. */
  async remove(tx: Context, id: string): Promise<string> {
    const endpoint = await this.locked(tx, id, ['id']);
    await tx.db.query('DELETE FROM webhook_attempt WHERE delivery_id IN (SELECT id FROM webhook_delivery WHERE endpoint_id = $1)', [id]);
    await tx.db.query('DELETE FROM webhook_delivery WHERE endpoint_id = $1', [id]);
    await tx.db.delete(WebhookEndpoint, { id });
    await this.audit.record(tx, { action: 'webhookEndpointDelete', entityType: 'WEBHOOK_ENDPOINT', entityKey: id, before: shown(endpoint) });
    return id;
  }

  /** A new secret, answered here only; the old one keeps signing beside it for `overlapHours`. */
  async rotateSecret(tx: Context, id: string, overlapHours: number | null): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const hours = overlapHours ?? DEFAULT_OVERLAP_HOURS;
    if (!Number.isInteger(hours) || hours < 0 || hours > 168) throwIfAny([userError('INVALID', ['overlapHours'], `overlapHours must be a whole number from 0 to 168, got ${hours}`)]);
    const endpoint = await this.locked(tx, id, ['id']);
    const secret = newSigningSecret();
    endpoint.previousSecret = hours > 0 ? endpoint.secret : null;
    endpoint.previousSecretUntil = hours > 0 ? new Date(tx.deps.clock.now().getTime() + hours * 3_600_000) : null;
    endpoint.secret = secret;
    const saved = await tx.db.save(endpoint);
    await this.audit.record(tx, { action: 'webhookEndpointSecretRotate', entityType: 'WEBHOOK_ENDPOINT', entityKey: id, after: { previousSecretUntil: saved.previousSecretUntil } });
    return { endpoint: saved, secret };
  }

  /** Sends an event to the endpoint again, now, with the same webhook-id (whatever its types). */
  async replay(tx: Context, endpointId: string, eventIdText: string): Promise<WebhookDelivery> {
    const endpoint = await this.locked(tx, endpointId, ['endpointId']);
    const key = parseEventId(eventIdText);
    const [event]: { type: EventType; customer_id: string | null }[] = key
      ? await tx.db.query('SELECT type, customer_id FROM event WHERE position = $1 AND id = $2', [key.position, key.serial])
      : [];
    if (!event) throwIfAny([userError('NOT_FOUND', ['eventId'], `no event "${eventIdText}" in the feed (it may be past the retention period)`)]);
    const now = tx.deps.clock.now();
    const delivery = await tx.db.save(
      Object.assign(new WebhookDelivery(), {
        endpointId: endpoint.id,
        eventPosition: key!.position,
        eventSerial: key!.serial,
        eventType: event!.type,
        customerId: event!.customer_id,
        status: WebhookDeliveryStatus.PENDING,
        attempts: 0,
        nextAttemptAt: now,
        leaseUntil: null,
        createdAt: now,
      }),
    );
    await this.audit.record(tx, { action: 'webhookEventReplay', entityType: 'WEBHOOK_ENDPOINT', entityKey: endpoint.id, after: { eventId: eventIdText, deliveryId: delivery.id } });
    return delivery;
  }

  /** The endpoint's delivery log, newest first. */
  async deliveries(ctx: Context, endpointId: string, status: WebhookDeliveryStatus | null, page: PageArgs): Promise<Connection<WebhookDelivery>> {
    const request = pageRequest(page, 'bigint');
    const query = ctx.db.createQueryBuilder(WebhookDelivery, 'd').where('d.endpoint_id = :endpointId', { endpointId });
    if (status) query.andWhere('d.status = :status', { status });
    const count = () => query.clone().getCount();
    const { op, order } = keyset(request, 'DESC');
    if (request.cursor) query.andWhere(`d.id ${op} :cursor`, { cursor: request.cursor });
    return toConnection(await query.orderBy('d.id', order).limit(request.size + 1).getMany(), request, (d) => d.id, count);
  }

  attempts(ctx: Context, deliveryId: string): Promise<WebhookAttempt[]> {
    return ctx.db.find(WebhookAttempt, { where: { deliveryId }, order: { attempt: 'ASC', id: 'ASC' } });
  }

  private visible(ctx: Context): { ownerKeyId?: string } {
    return hasRole(ctx.actor.roles, Role.ADMIN) ? {} : { ownerKeyId: ctx.actor.keyId };
  }

  private async locked(tx: Context, id: string, field: string[]): Promise<WebhookEndpoint> {
    const endpoint = isUuid(id) ? await tx.db.findOne(WebhookEndpoint, { where: { id, ...this.visible(tx) }, lock: { mode: 'pessimistic_write' } }) : null;
    if (!endpoint) throwIfAny([userError('NOT_FOUND', field, `no webhook endpoint with id "${id}"`)]);
    return endpoint!;
  }

  private async problems(url: string, description: string | null): Promise<UserError[]> {
    const errors: UserError[] = [];
    const problem = url.length > MAX_URL ? `must be at most ${MAX_URL} characters` : (urlProblem(url, this.allowPrivate) ?? (await this.resolvesInward(url)));
    if (problem) errors.push(userError('INVALID', ['input', 'url'], `url ${problem}`));
    if (description !== null && description.length > MAX_DESCRIPTION) errors.push(userError('INVALID', ['input', 'description'], `description must be at most ${MAX_DESCRIPTION} characters`));
    return errors;
  }

  /** A name that resolves to a refused address now (checked again on every call); a name that does not resolve yet is accepted. */
  private async resolvesInward(url: string): Promise<string | null> {
    if (this.allowPrivate) return null;
    const host = new URL(url).hostname;
    const addresses = await lookup(host, { all: true }).catch(() => []);
    const refused = addresses.map((a) => refusedAddress(a.address, false)).find((r) => r !== null);
    return refused ? `resolves to ${refused}` : null;
  }
}

function distinct(types: EventType[] | null | undefined): EventType[] | null {
  return types?.length ? [...new Set(types)] : null;
}

/** What the audit log keeps of an endpoint: never its secrets. */
function shown(endpoint: WebhookEndpoint): Record<string, unknown> {
  return { url: endpoint.url, description: endpoint.description, types: endpoint.types, enabled: endpoint.enabled, disabledReason: endpoint.disabledReason };
}
