import { EventLog, NewEvent } from '../events/event-log';
import { EventType } from '../events/event.entity';
import type { TierOverride } from './tier-override.entity';

/** The columns a history insert returns for its events (every writer of tier_change returns these). */
export const HISTORY_RETURNING = 'RETURNING id, customer_id, program_key, from_tier_key, to_tier_key, rules_tier_key, cause, rule_version, at';

/**
 * CTEs appending one tier.changed event per history row of `history` (a CTE whose insert
 * into tier_change ends with HISTORY_RETURNING), in the same statement: every writer of
 * history, row by row or set-based, reports its changes in this one form.
 */
export function tierChangedEventsSql(events: EventLog, history: string, recordedAt: string): string {
  return events.appendSql(
    `(SELECT '${EventType.TIER_CHANGED}'::text AS type, h.at AS occurred_at, h.customer_id, h.program_key,
             jsonb_build_object('program', h.program_key, 'from', h.from_tier_key, 'to', h.to_tier_key, 'rulesTier', h.rules_tier_key,
                                'cause', h.cause, 'ruleVersion', h.rule_version, 'historyId', 'TierChange:' || h.id) AS payload,
             h.id AS ord
        FROM ${history} h) AS tier_events`,
    recordedAt,
  );
}

/** An override event's thin payload: which override, pinning which tier, until when, and who acted (null: time). */
export function overrideEvent(type: EventType, override: TierOverride, programKey: string | null, by: string | null, occurredAt?: Date): NewEvent {
  return {
    type,
    customerId: override.customerId,
    programKey,
    occurredAt,
    payload: { overrideId: override.id, program: programKey, tier: override.tierKey, expiresAt: override.expiresAt?.toISOString() ?? null, by },
  };
}
