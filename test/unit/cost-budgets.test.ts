import { CostBudgets } from '../../src/limits/cost-budgets';

describe('CostBudgets (a token bucket per API key)', () => {
  const limits = { maxCost: 100, bucketSize: 300, restorePerSecond: 50 };

  it('lets a key spend its bucket, then refuses with the seconds until it could afford the request', () => {
    let now = 0;
    const budgets = new CostBudgets(limits, () => now);
    expect(budgets.spend('a', 100)).toEqual({ allowed: true, available: 200, retryAfterSeconds: 0 });
    expect(budgets.spend('a', 100)).toEqual({ allowed: true, available: 100, retryAfterSeconds: 0 });
    expect(budgets.spend('a', 100)).toEqual({ allowed: true, available: 0, retryAfterSeconds: 0 });
    expect(budgets.spend('a', 80)).toEqual({ allowed: false, available: 0, retryAfterSeconds: 2 });
    now = 1_000;
    expect(budgets.spend('a', 80)).toEqual({ allowed: false, available: 50, retryAfterSeconds: 1 });
    now = 2_000;
    expect(budgets.spend('a', 80)).toEqual({ allowed: true, available: 20, retryAfterSeconds: 0 });
  });

  it('keeps each key to its own bucket and never fills a bucket past its size', () => {
    let now = 0;
    const budgets = new CostBudgets(limits, () => now);
    expect(budgets.spend('a', 300).allowed).toBe(true);
    expect(budgets.spend('b', 300).allowed).toBe(true);
    expect(budgets.spend('a', 1).allowed).toBe(false);
    now = 60_000;
    expect(budgets.spend('a', 0)).toEqual({ allowed: true, available: 300, retryAfterSeconds: 0 });
  });
});
