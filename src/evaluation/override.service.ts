import { AuditService } from '../audit/audit.service';
import { Context } from '../context';
import { addressedCustomer } from '../shared/customer-address';
import { isUuid } from '../shared/ids';
import { UserError, throwIfAny, userError } from '../shared/user-error';
import { EvaluationService } from './evaluation.service';
import { shownTier } from './shown-tier';
import { TierChange, TierChangeCause } from './tier-change.entity';
import { TierOverride, overrideActive } from './tier-override.entity';
import { EventLog } from '../events/event-log';
import { overrideEvent } from './evaluation-events';
import { EventType } from '../events/event.entity';

export interface TierOverrideSetInput {
  customerId?: string | null;
  customerExternalId?: string | null;
  programKey: string;
  tierKey: string;
  reason: string;
  expiresAt?: Date | null;
}

const OVERRIDE_CUSTOMER_FIELDS = { id: ['input', 'customerId'], externalId: ['input', 'customerExternalId'] };

export interface OverrideWrite {
  override: TierOverride;
  tierChanges: TierChange[];
}

/**
 * Account managers pin a customer's tier in a program (disputes, retention deals). The
 * rules keep running underneath: explanations show their verdict, and the stored rule tier
 * stays current, so the customer falls back to it the moment the override ends.
 */
export class OverrideService {
  constructor(
    private readonly evaluation: EvaluationService,
    private readonly audit: AuditService,
    private readonly events: EventLog,
  ) {}

  async set(tx: Context, input: TierOverrideSetInput): Promise<OverrideWrite> {
    const errors: UserError[] = [];
    // Locked so a concurrent fact update or override of this customer waits for this one.
    const customer = await addressedCustomer(tx, { id: input.customerId, externalId: input.customerExternalId }, OVERRIDE_CUSTOMER_FIELDS);
    if (customer instanceof UserError) errors.push(customer);
    const published = (await tx.loaders.programs()).find((p) => p.program.key === input.programKey);
    if (!published) errors.push(userError('NOT_FOUND', ['input', 'programKey'], `no tier program with key "${input.programKey}"`));
    else if (!published.tiers.some((t) => t.key === input.tierKey)) {
      errors.push(userError('NOT_FOUND', ['input', 'tierKey'], `program "${input.programKey}" has no tier "${input.tierKey}"`));
    }
    if (!input.reason.trim()) errors.push(userError('INVALID', ['input', 'reason'], 'reason must say why the tier is overridden'));
    if (input.expiresAt && input.expiresAt.getTime() <= tx.deps.clock.now().getTime()) errors.push(userError('INVALID', ['input', 'expiresAt'], 'expiresAt must be in the future'));
    throwIfAny(errors);
    const customerId = (customer as { id: string }).id;
    await this.evaluation.settleTime(tx, [customerId]);

    const loaded = await tx.loaders.customerById.load(customerId);
    const evaluated = (await tx.loaders.classifications.load(loaded!)).find((e) => e.published.program.id === published!.program.id)!;
    if (!evaluated.classification.applies) {
      throwIfAny([userError('INVALID', ['input', 'programKey'], `program "${input.programKey}" does not cover this customer, so there is no tier to override`)]);
    }
    const before = shownTier(evaluated.published, evaluated.classification, evaluated.override?.tierKey, evaluated.held);
    const replaced = await tx.db
      .createQueryBuilder()
      .update(TierOverride)
      .set({ revokedAt: () => 'now()' })
      .where('customer_id = :customerId AND program_id = :programId AND revoked_at IS NULL', { customerId, programId: published!.program.id })
      .returning('*')
      .execute();
    const override = await tx.db.save(
      Object.assign(new TierOverride(), {
        customerId,
        programId: published!.program.id,
        tierKey: input.tierKey,
        reason: input.reason.trim(),
        expiresAt: input.expiresAt ?? null,
        createdBy: tx.actor.name,
        revokedAt: null,
      }),
    );
    await this.events.append(tx, [overrideEvent(EventType.OVERRIDE_SET, override, published!.program.key, tx.actor.name)]);
    const after = shownTier(published!, evaluated.classification, input.tierKey, evaluated.held);
    const tierChanges = await this.evaluation.recordChange(tx, customerId, published!, before, after, TierChangeCause.OVERRIDE);
    await this.audit.record(tx, { action: 'tierOverrideSet', entityType: 'OVERRIDE', entityKey: override.id, before: replaced.raw[0] ?? undefined, after: override });
    tx.loaders.clear();
    return { override, tierChanges };
  }

  async revoke(tx: Context, id: string): Promise<OverrideWrite> {
    const found = isUuid(id) ? await tx.db.findOne(TierOverride, { where: { id } }) : null;
    if (!found) throwIfAny([userError('NOT_FOUND', ['id'], `no tier override with id "${id}"`)]);
    // The customer first, as every write locks it, then what its expiry did, then the override.
    await tx.db.query('SELECT 1 FROM customer WHERE id = $1 FOR UPDATE', [found!.customerId]);
    await this.evaluation.settleTime(tx, [found!.customerId]);
    const override = await tx.db.findOne(TierOverride, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!override) throwIfAny([userError('NOT_FOUND', ['id'], `no tier override with id "${id}"`)]);
    if (override!.revokedAt) throwIfAny([userError('CONFLICT', ['id'], `tier override "${id}" was already revoked`)]);
    const [{ active }] = await tx.db.query(`SELECT (${overrideActive('o', '$2')}) AS active FROM tier_override o WHERE o.id = $1`, [id, tx.deps.clock.now()]);
    const before = { ...override! };
    override!.revokedAt = tx.deps.clock.now();
    const saved = await tx.db.save(override!);
    const program = (await tx.loaders.programs()).find((p) => p.program.id === saved.programId)?.program.key ?? null;
    await this.events.append(tx, [overrideEvent(EventType.OVERRIDE_REVOKED, saved, program, tx.actor.name)]);
    tx.loaders.clear();
    let tierChanges: TierChange[] = [];
    const customer = await tx.loaders.customerById.load(override!.customerId);
    const evaluated = customer && (await tx.loaders.classifications.load(customer)).find((e) => e.published.program.id === override!.programId);
    if (active && evaluated) {
      const { published, classification, held } = evaluated;
      const shownBefore = shownTier(published, classification, override!.tierKey, held);
      tierChanges = await this.evaluation.recordChange(tx, override!.customerId, published, shownBefore, shownTier(published, classification, null, held), TierChangeCause.OVERRIDE);
    }
    await this.audit.record(tx, { action: 'tierOverrideRevoke', entityType: 'OVERRIDE', entityKey: saved.id, before, after: saved });
    return { override: saved, tierChanges };
  }
}
