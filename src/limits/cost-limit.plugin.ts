import { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, GraphQLSchema } from 'graphql';
import { Context } from '../context';
import { CostBudgets } from './cost-budgets';
import { ProgramSizes, WorkSizes, queryCost, workSizes } from './query-cost';

/** How long one reading of the programs' sizes prices requests: a publish is priced within a second. */
const SIZES_TTL_MS = 1_000;

/** The programs' sizes, read at most once a second per process (one small query). */
class SizesCache {
  private reading: { at: number; sizes: Promise<WorkSizes> } | null = null;
  constructor(private readonly read: () => Promise<ProgramSizes>) {}

  current(): Promise<WorkSizes> {
    const now = Date.now();
    if (!this.reading || now - this.reading.at > SIZES_TTL_MS) {
      const sizes = this.read().then(workSizes);
      this.reading = { at: now, sizes };
      sizes.catch(() => {
        if (this.reading?.sizes === sizes) this.reading = null;
      });
    }
    return this.reading.sizes;
  }
}

/** `extensions.cost` of every answer, as Shopify reports it. */
export interface CostReport {
  requestedQueryCost: number;
  maximumQueryCost: number;
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
  /** Seconds to wait before this request could be afforded; only when refused. */
  retryAfter?: number;
}

/**
 * Prices each operation once it is parsed and validated, before any resolver runs:
 * refuses it when it costs more than one request may (`QUERY_TOO_COSTLY`), or when the
 * caller's key has not the points left (`RATE_LIMITED`, HTTP 429 with Retry-After), and
 * reports the cost and the key's budget in `extensions.cost`. Fields whose work depends on
 * the stored programs (explanations, lists of programs and versions) are priced from
 * `programSizes`.
 */
/**
 * Charges `requested` points to the key: the report of its budget, and the error refusing the
 * operation when it costs more than one request may or more than the key has left. Queries
 * (costLimitPlugin) and subscriptions (subscriptions.ts) are priced by it alike.
 */
export function charge(budgets: CostBudgets, keyId: string, requested: number): { report: CostReport; refusal: GraphQLError | null } {
  const { maxCost, bucketSize, restorePerSecond } = budgets.limits;
  const status = (available: number) => ({ maximumAvailable: bucketSize, currentlyAvailable: available, restoreRate: restorePerSecond });
  if (requested > maxCost) {
    return {
      report: { requestedQueryCost: requested, maximumQueryCost: maxCost, throttleStatus: status(bucketSize) },
      refusal: new GraphQLError(`this query costs ${requested} points; one request may cost at most ${maxCost} (ask for fewer items per page or fewer customers)`, {
        extensions: { code: 'QUERY_TOO_COSTLY', http: { status: 400 } },
      }),
    };
  }
  const spend = budgets.spend(keyId, requested);
  const report: CostReport = { requestedQueryCost: requested, maximumQueryCost: maxCost, throttleStatus: status(spend.available) };
  if (spend.allowed) return { report, refusal: null };
  report.retryAfter = spend.retryAfterSeconds;
  return {
    report,
    refusal: new GraphQLError(`this key has ${spend.available} of the ${requested} points this query costs; retry after ${spend.retryAfterSeconds} s`, {
      extensions: { code: 'RATE_LIMITED', http: { status: 429, headers: new Map([['retry-after', String(spend.retryAfterSeconds)]]) } },
    }),
  };
}

export function costLimitPlugin(schema: GraphQLSchema, budgets: CostBudgets, programSizes: () => Promise<ProgramSizes>): ApolloServerPlugin<Context> {
  const sizes = new SizesCache(programSizes);
  return {
    async requestDidStart() {
      let report: CostReport | null = null;
      return {
        async didResolveOperation({ document, request, operationName, contextValue }) {
          const requested = queryCost(schema, document, request.variables ?? {}, await sizes.current(), operationName ?? undefined);
          const charged = charge(budgets, contextValue.actor.keyId, requested);
          report = charged.report;
          if (charged.refusal) throw charged.refusal;
        },
        async willSendResponse({ response }) {
          if (report && response.body.kind === 'single') {
            response.body.singleResult.extensions = { ...response.body.singleResult.extensions, cost: report };
          }
        },
      };
    },
  };
}
