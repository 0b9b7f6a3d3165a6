import { GraphQLResponse } from './app';

export interface WriteLog {
  attempts: number;
  /** externalIds whose upsert was answered with the customer and no errors. */
  acknowledged: string[];
  failed: number;
  acknowledgedAfterAction: number;
  /** From the start of the action to the first write acknowledged that was sent after it. */
  recoveryMs: number | null;
  /** Failures that were not a masked error with a code (what must never happen). */
  unmaskedErrors: string[];
  /** When each acknowledged write was sent and answered (ms since the epoch). */
  acks: { sentAt: number; at: number }[];
}

/** For each fault instant, how long until a write sent after it was acknowledged. */
export function recoveryTimes(log: WriteLog, faults: number[]): number[] {
  return faults.map((fault) => {
    const first = log.acks.filter((a) => a.sentAt >= fault).sort((a, b) => a.at - b.at)[0];
    return first ? first.at - fault : Infinity;
  });
}

type Gql = (query: string, variables?: Record<string, unknown>) => Promise<GraphQLResponse>;

const UPSERT = `mutation($input: CustomerUpsertInput!) { customerUpsert(input: $input) { customer { id } userErrors { code message } } }`;

/**
 * `writers` clients upserting new customers back to back for `durationMs`; `at.action`
 * (a fault) runs `at.ms` after the start. Counts what was acknowledged, so a test can
 * compare it with what the table holds.
 */
export async function steadyWrites(
  app: { gql: Gql },
  options: { writers: number; durationMs: number; prefix: string; at?: { ms: number; action: () => Promise<void> } },
): Promise<WriteLog> {
  const log: WriteLog = { attempts: 0, acknowledged: [], failed: 0, acknowledgedAfterAction: 0, recoveryMs: null, unmaskedErrors: [], acks: [] };
  const started = Date.now();
  let actionStarted: number | null = null;
  const action = options.at
    ? (async () => {
        await new Promise((resolve) => setTimeout(resolve, options.at!.ms));
        actionStarted = Date.now();
        await options.at!.action();
      })()
    : Promise.resolve();
  let n = 0;
  await Promise.all(
    Array.from({ length: options.writers }, async () => {
      while (Date.now() - started < options.durationMs) {
        n += 1;
        log.attempts += 1;
        const externalId = `${options.prefix}-${n}`;
        const sentAt = Date.now();
        try {
          const res = await app.gql(UPSERT, { input: { externalId, name: 'Steady', facts: { customerType: 'individual', balance: n } } });
          const payload = res.data?.customerUpsert;
          if (payload?.customer?.id && payload.userErrors.length === 0) {
            log.acknowledged.push(externalId);
            log.acks.push({ sentAt, at: Date.now() });
            if (actionStarted !== null && sentAt >= actionStarted) {
              log.acknowledgedAfterAction += 1;
              log.recoveryMs ??= Date.now() - actionStarted;
            }
            continue;
          }
          log.failed += 1;
          for (const error of res.errors ?? []) {
            if (typeof error.extensions?.code !== 'string' || /SELECT|INSERT|connection|ECONN|terminat/i.test(error.message)) log.unmaskedErrors.push(JSON.stringify(error));
          }
        } catch (error) {
          log.failed += 1;
          log.unmaskedErrors.push(`no HTTP answer: ${(error as Error).message}`);
        }
        // A failed write is retried after a pause, as integrators back off.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }),
  );
  await action;
  return log;
}
