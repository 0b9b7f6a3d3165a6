/**
 * Strata's notion of "now" for everything time decides: whether an override or grant still
 * counts, when an expiry or review is due, the instant a history row records. One per
 * process, in ServerDeps, so tests can move time (period ends, expiries between two reads)
 * without waiting for it. Leases and timeouts keep PostgreSQL's and the process's own time:
 * they measure how long a worker has been silent, not what the business calendar says.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
