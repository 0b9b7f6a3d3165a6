import { EntitlementService } from '../entitlements/entitlement.service';
import { EvaluationService } from '../evaluation/evaluation.service';
import { EventLog } from '../events/event-log';
import { withTransaction } from '../shared/transaction';
import { ScheduledWork } from './scheduler';

/** Expiries recorded per transaction: large enough for set-wise writes, small enough to keep locks short. */
const EXPIRY_BATCH = 1_000;

/** Events deleted per transaction when the retention period has passed them. */
const PRUNE_BATCH = 5_000;
const DAY_MS = 86_400_000;

export interface TimeWorkOptions {
  /** How long after a run each task is due again. */
  everyMs: number;
  reviewBatchSize?: number;
  eventRetentionDays?: number;
}

/**
 * What time makes due, recorded within one period of its instant, a batch per transaction
 * until none is left: overrides and grants whose instant has passed (reads stopped counting
 * them at the instant already), held tiers whose review or grace has passed, and events
 * older than the retention period.
 */
export function timeWork(
  { evaluation, entitlements, events }: { evaluation: EvaluationService; entitlements: EntitlementService; events: EventLog },
  { everyMs, reviewBatchSize = 5_000, eventRetentionDays = 30 }: TimeWorkOptions,
): ScheduledWork[] {
  return [
    {
      name: 'override-expiry',
      everyMs,
      async run({ ctx, renew }) {
        while ((await withTransaction(ctx, (tx) => evaluation.settleOverrideExpiries(tx, { due: EXPIRY_BATCH }))).expired.length > 0) await renew();
      },
    },
    {
      name: 'tier-review',
      everyMs,
      async run({ ctx, renew }) {
        while ((await withTransaction(ctx, (tx) => evaluation.settleDueDrops(tx, { due: reviewBatchSize }))) > 0) await renew();
      },
    },
    {
      name: 'grant-expiry',
      everyMs,
      async run({ ctx, renew }) {
        while ((await withTransaction(ctx, (tx) => entitlements.settleExpiries(tx, EXPIRY_BATCH))).length > 0) await renew();
      },
    },
    {
      name: 'event-prune',
      everyMs,
      async run({ ctx, renew }) {
        const before = new Date(ctx.deps.clock.now().getTime() - eventRetentionDays * DAY_MS);
        while ((await withTransaction(ctx, (tx) => events.prune(tx, before, PRUNE_BATCH))) === PRUNE_BATCH) await renew();
      },
    },
  ];
}
