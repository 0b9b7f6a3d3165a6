/** Limits on query cost: per request, and per API key over time (a token bucket). */
export interface CostLimits {
  /** The most one request may cost. */
  maxCost: number;
  /** Points a key can spend at once (the bucket's size). */
  bucketSize: number;
  /** Points a key gets back per second. */
  restorePerSecond: number;
}

export const DEFAULT_COST_LIMITS: CostLimits = { maxCost: 5_000, bucketSize: 20_000, restorePerSecond: 1_000 };

export interface Spend {
  allowed: boolean;
  /** Points left after this request (or before it, when refused). */
  available: number;
  /** Seconds until the request could be afforded; 0 when allowed. */
  retryAfterSeconds: number;
}

/**
 * One token bucket per API key, in this process: a key that spends faster than its
 * restore rate is refused until it has saved up again. Several Strata processes each
 * keep their own buckets, so a key's budget is per process.
 */
export class CostBudgets {
  private readonly buckets = new Map<string, { available: number; at: number }>();

  constructor(
    readonly limits: CostLimits,
    private readonly now: () => number = Date.now,
  ) {}

  spend(key: string, cost: number): Spend {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { available: this.limits.bucketSize, at: now };
    bucket.available = Math.min(this.limits.bucketSize, bucket.available + ((now - bucket.at) / 1000) * this.limits.restorePerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (cost > bucket.available) {
      const retryAfterSeconds = Math.ceil((cost - bucket.available) / this.limits.restorePerSecond);
      return { allowed: false, available: Math.floor(bucket.available), retryAfterSeconds };
    }
    bucket.available -= cost;
    return { allowed: true, available: Math.floor(bucket.available), retryAfterSeconds: 0 };
  }
}
