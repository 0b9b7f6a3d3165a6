import { EntitlementService } from '../entitlements/entitlement.service';
import { EvaluationService } from '../evaluation/evaluation.service';
import { withTransaction } from '../shared/transaction';
import { ScheduledWork } from './scheduler';

/** Expiries recorded per transaction: large enough for set-wise writes, small enough to keep locks short. */
const EXPIRY_BATCH = 1_000;

/**
 * What time makes due, recorded within one period of its instant, a batch per transaction
 * until none is left: overrides and grants whose instant has passed (reads stopped counting
 * them at the instant already), and held tiers whose review or grace has passed.
 */
export function timeWork(evaluation: EvaluationService, entitlements: EntitlementService, everyMs: number, reviewBatchSize = 5_000): ScheduledWork[] {
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
  ];
}
