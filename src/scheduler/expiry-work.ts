import { EntitlementService } from '../entitlements/entitlement.service';
import { EvaluationService } from '../evaluation/evaluation.service';
import { withTransaction } from '../shared/transaction';
import { ScheduledWork } from './scheduler';

/** Expiries recorded per transaction: large enough for set-wise writes, small enough to keep locks short. */
const EXPIRY_BATCH = 1_000;

/**
 * Overrides and grants whose instant has passed, recorded within one poll of it: a batch per
 * transaction until none is left. Reads stopped counting them at the instant already.
 */
export function expiryWork(evaluation: EvaluationService, entitlements: EntitlementService, everyMs: number): ScheduledWork[] {
  return [
    {
      name: 'override-expiry',
      everyMs,
      async run({ ctx, renew }) {
        while ((await withTransaction(ctx, (tx) => evaluation.settleOverrideExpiries(tx, { due: EXPIRY_BATCH }))).expired.length > 0) await renew();
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
