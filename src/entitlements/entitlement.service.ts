import { setImmediate } from 'node:timers/promises';
import { AuditService } from '../audit/audit.service';
import { Context } from '../context';
import type { EvaluatedCustomer } from '../evaluation/evaluated-customer';
import { shownTier } from '../evaluation/shown-tier';
import { Better, EntitlementCandidate, EntitlementPolicy, EntitlementValueType, mergeEntitlements } from '../engine';
import { ReplayCodec } from '../idempotency/idempotency.service';
import { entityColumns, queryEntities } from '../shared/entity-rows';
import { DomainError } from '../shared/errors';
import { catalogKeyProblem } from '../shared/catalog-key';
import { isUuid } from '../shared/ids';
import { addressedCustomer } from '../shared/customer-address';
import { TypedValue, typedValue } from '../shared/typed-value';
import { UserError, throwIfAny, userError } from '../shared/user-error';
import { CustomerEntitlement, CustomerEntitlementSet, EntitlementSource } from './customer-entitlement.types';
import { EntitlementDefinition } from '../catalog/entitlement-definition.entity';
import { EntitlementGrant } from './entitlement-grant.entity';
import { entitlementValueProblem } from '../catalog/entitlement-values';
import { EventLog } from '../events/event-log';
import { EventType } from '../events/event.entity';

export interface EntitlementDefineInput {
  key: string;
  name: string;
  description?: string | null;
  valueType: EntitlementValueType;
  better?: Better | null;
  unit?: string | null;
}

export interface EntitlementGrantInput {
  customerId?: string | null;
  customerExternalId?: string | null;
  key: string;
  value: unknown;
  expiresAt?: Date | null;
  reason: string;
}

const GRANT_CUSTOMER_FIELDS = { id: ['input', 'customerId'], externalId: ['input', 'customerExternalId'] };

export const MAX_BATCH = 500;
const MERGED_PER_TURN = 100;

/** A grant replays as the same grant, as it is now (only a revocation changes it). */
export const grantReplay: ReplayCodec<{ grant: EntitlementGrant }> = {
  store: ({ grant }) => ({ grantId: grant.id }),
  async replay(tx, stored) {
    const grant = await tx.db.findOne(EntitlementGrant, { where: { id: (stored as { grantId: string }).grantId } });
    // Grants go with their customer: a retry after the delete learns so, as a first call would.
    if (!grant) throwIfAny([userError('NOT_FOUND', ['input', 'customerId'], 'the grant this idempotency key wrote was removed when its customer was deleted')]);
    return { grant: grant! };
  },
};

export class EntitlementService {
  constructor(
    private readonly audit: AuditService,
    private readonly events: EventLog,
  ) {}

  /** An entitlement's value typed by its catalog entry. */
  async typed(ctx: Context, key: string, value: unknown): Promise<TypedValue> {
    const definition = await this.definition(ctx, key);
    return typedValue(definition?.valueType ?? 'STRING', value, definition?.unit ?? null);
  }

  /** The catalog entry with this key, from the request's loaders. */
  definition(ctx: Context, key: string): Promise<EntitlementDefinition | null> {
    return ctx.loaders.entitlementDefinition.load(key);
  }

  list(ctx: Context): Promise<EntitlementDefinition[]> {
    return ctx.db.find(EntitlementDefinition, { order: { key: 'ASC' } });
  }

  /**
   * Creates an entitlement or updates its name and description. Value type and direction
   * never change: tier values and grants already stored were checked against them.
   */
  async define(tx: Context, input: EntitlementDefineInput): Promise<EntitlementDefinition> {
    const errors = [];
    const keyProblem = catalogKeyProblem(input.key);
    if (keyProblem) errors.push(userError('INVALID', ['input', 'key'], keyProblem));
    if (input.better && input.valueType !== 'NUMBER') {
      errors.push(userError('INVALID', ['input', 'better'], 'better applies to NUMBER entitlements only'));
    }
    if (input.unit != null && input.valueType !== 'NUMBER') errors.push(userError('INVALID', ['input', 'unit'], 'unit applies to NUMBER entitlements only'));
    throwIfAny(errors);
    const better = input.valueType === 'NUMBER' ? (input.better ?? 'HIGHER') : null;
    const existing = await tx.db.findOne(EntitlementDefinition, { where: { key: input.key }, lock: { mode: 'pessimistic_write' } });
    if (existing && (existing.valueType !== input.valueType || existing.better !== better)) {
      throwIfAny([
        userError('CONFLICT', ['input', 'valueType'], `entitlement "${input.key}" is ${existing.valueType}${existing.better ? ` (${existing.better} is better)` : ''}; its type cannot change`),
      ]);
    }
    const before = existing ? { ...existing } : undefined;
    const definition = existing ?? Object.assign(new EntitlementDefinition(), { key: input.key, valueType: input.valueType, better });
    definition.name = input.name;
    definition.description = input.description ?? null;
    definition.unit = input.unit ?? null;
    const saved = await tx.db.save(definition);
    await this.audit.record(tx, { action: 'entitlementDefine', entityType: 'ENTITLEMENT', entityKey: saved.key, before, after: saved });
    return saved;
  }

  /** Effective entitlements: tier values of every program the customer is in, plus active grants. */
  async effective(ctx: Context, customer: EvaluatedCustomer): Promise<CustomerEntitlement[]> {
    const [classifications, grants] = await Promise.all([ctx.loaders.classifications.load(customer), ctx.loaders.activeGrants.load(customer.id)]);
    const policies = new Map<string, EntitlementPolicy>();
    const candidates: EntitlementCandidate[] = [];
    for (const { published, classification, override, held } of classifications) {
      const { tierKey } = shownTier(published, classification, override?.tierKey, held);
      const tier = tierKey ? published.tiers.find((t) => t.key === tierKey) : undefined;
      for (const value of tier?.entitlements ?? []) {
        policies.set(value.entitlementKey, value.entitlement);
        candidates.push({
          key: value.entitlementKey,
          value: value.value,
          source: 'TIER',
          programKey: published.program.key,
          tierKey: tier!.key,
          grantId: null,
          expiresAt: null,
        });
      }
    }
    const now = ctx.deps.clock.now().getTime();
    for (const grant of grants) {
      if (grant.expiresAt && grant.expiresAt.getTime() <= now) continue;
      policies.set(grant.key, grant.entitlement!);
      candidates.push({
        key: grant.key,
        value: grant.value,
        source: 'GRANT',
        programKey: null,
        tierKey: null,
        grantId: grant.id,
        expiresAt: grant.expiresAt,
      });
    }
    return mergeEntitlements(candidates, (key) => policies.get(key)).map((c) => ({ ...c, source: c.source as EntitlementSource }));
  }

  /**
   * The integrators' batch call: one set per requested customer, in input order (ids
   * first, then externalIds), each not found one with what was asked; `keys` keeps only
   * those entitlements.
   */
  async forCustomers(ctx: Context, ids: readonly string[], externalIds: readonly string[], keys: readonly string[] | null = null): Promise<CustomerEntitlementSet[]> {
    const asked = ids.length + externalIds.length;
    if (asked > MAX_BATCH) throw new DomainError('BAD_USER_INPUT', `ask for at most ${MAX_BATCH} customers at once, got ${asked}`);
    if (keys) {
      const defined = new Set((await this.list(ctx)).map((d) => d.key));
      const unknown = keys.filter((k) => !defined.has(k));
      if (unknown.length) throw new DomainError('BAD_USER_INPUT', `keys: unknown entitlement ${unknown.map((k) => `"${k}"`).join(', ')}; see entitlementDefinitions`);
    }
    const [byId, byExternalId] = await Promise.all([
      ctx.loaders.customerById.loadMany([...ids]),
      ctx.loaders.customerByExternalId.loadMany([...externalIds]),
    ]);
    const requested = [
      ...ids.map((id, i) => ({ customerId: id, externalId: null, found: byId[i] })),
      ...externalIds.map((externalId, i) => ({ customerId: null, externalId, found: byExternalId[i] })),
    ].map(({ found, ...asked }) => {
      if (found instanceof Error) throw found;
      return { ...asked, found };
    });
    const customers = requested.flatMap(({ found }) => (found ? [found] : []));
    const wanted = keys && new Set(keys);
    const only = (entitlements: CustomerEntitlement[]) => (wanted ? entitlements.filter((e) => wanted.has(e.key)) : entitlements);
    // Tiers and grants of the whole batch in one statement each, then merged a slice at a
    // time, each slice its own turn of the event loop, so other requests are answered between.
    await Promise.all([ctx.loaders.classifications.loadMany(customers), ctx.loaders.activeGrants.loadMany(customers.map((c) => c.id))]);
    const sets: CustomerEntitlementSet[] = [];
    for (let start = 0; start < requested.length; start += MERGED_PER_TURN) {
      await setImmediate();
      for (const { customerId, externalId, found } of requested.slice(start, start + MERGED_PER_TURN)) {
        sets.push(
          found
            ? { customerId: found.id, externalId: found.externalId, found: true, entitlements: only(await this.effective(ctx, found)) }
            : { customerId, externalId, found: false, entitlements: [] },
        );
      }
    }
    return sets;
  }

  async grant(tx: Context, input: EntitlementGrantInput): Promise<EntitlementGrant> {
    const errors: UserError[] = [];
    const customer = await addressedCustomer(tx, { id: input.customerId, externalId: input.customerExternalId }, GRANT_CUSTOMER_FIELDS);
    if (customer instanceof UserError) errors.push(customer);
    const definition = await tx.db.findOne(EntitlementDefinition, { where: { key: input.key } });
    if (!definition) {
      errors.push(userError('UNKNOWN_ENTITLEMENT', ['input', 'key'], `unknown entitlement "${input.key}"; define it with entitlementDefine first`));
    } else {
      const problem = entitlementValueProblem(definition.valueType, input.value);
      if (problem) errors.push(userError('TYPE_MISMATCH', ['input', 'value'], `"${input.key}" is ${definition.valueType}: ${problem}`));
    }
    if (input.expiresAt && input.expiresAt.getTime() <= tx.deps.clock.now().getTime()) {
      errors.push(userError('INVALID', ['input', 'expiresAt'], 'expiresAt must be in the future'));
    }
    if (!input.reason.trim()) errors.push(userError('INVALID', ['input', 'reason'], 'reason must say why the grant is given'));
    throwIfAny(errors);
    const grant = Object.assign(new EntitlementGrant(), {
      customerId: (customer as { id: string }).id,
      key: input.key,
      value: input.value,
      expiresAt: input.expiresAt ?? null,
      reason: input.reason.trim(),
      grantedBy: tx.actor.name,
      revokedAt: null,
    });
    const saved = await tx.db.save(grant);
    await this.audit.record(tx, { action: 'entitlementGrant', entityType: 'GRANT', entityKey: saved.id, after: saved });
    return saved;
  }

  async revoke(tx: Context, id: string): Promise<EntitlementGrant> {
    const grant = isUuid(id) ? await tx.db.findOne(EntitlementGrant, { where: { id }, lock: { mode: 'pessimistic_write' } }) : null;
    if (!grant) throwIfAny([userError('NOT_FOUND', ['id'], `no grant with id "${id}"`)]);
    if (grant!.revokedAt) throwIfAny([userError('CONFLICT', ['id'], `grant "${id}" was already revoked`)]);
    const before = { ...grant! };
    grant!.revokedAt = tx.deps.clock.now();
    const saved = await tx.db.save(grant!);
    await this.audit.record(tx, { action: 'entitlementGrantRevoke', entityType: 'GRANT', entityKey: saved.id, before, after: saved });
    return saved;
  }

  /**
   * Records up to `due` grants whose expiry instant has passed: marks each and audits it
   * (reads stopped counting it at its instant). Grants held by another transaction are left
   * for the next call.
   */
  async settleExpiries(tx: Context, due: number): Promise<EntitlementGrant[]> {
    const expired = await queryEntities(
      tx.db,
      EntitlementGrant,
      `WITH due AS (
         SELECT g.id FROM entitlement_grant g
          WHERE g.expires_at <= $1 AND g.expires_at IS NOT NULL AND g.revoked_at IS NULL AND g.expiry_recorded_at IS NULL
          ORDER BY g.expires_at LIMIT $2 FOR UPDATE SKIP LOCKED),
       marked AS (UPDATE entitlement_grant g SET expiry_recorded_at = $1 FROM due WHERE g.id = due.id RETURNING g.*)
       SELECT ${entityColumns(tx.db, EntitlementGrant, 'm')} FROM marked m ORDER BY m.expires_at, m.id`,
      [tx.deps.clock.now(), due],
    );
    await this.audit.recordMany(
      tx,
      expired.map((g) => ({ action: 'entitlementGrantExpire', entityType: 'GRANT', entityKey: g.id, before: { ...g, expiryRecordedAt: null }, after: g })),
    );
    await this.events.append(
      tx,
      expired.map((g) => ({
        type: EventType.GRANT_EXPIRED,
        customerId: g.customerId,
        programKey: null,
        occurredAt: g.expiresAt ?? undefined,
        payload: { grantId: g.id, key: g.key, value: g.value, expiresAt: g.expiresAt?.toISOString() ?? null },
      })),
    );
    return expired;
  }
}
