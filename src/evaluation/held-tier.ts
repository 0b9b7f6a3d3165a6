import { DateTime } from 'luxon';
import { Classification, SqlParams } from '../engine';
import { ProgramTiming, TierTiming, TimePolicy, tierHolds } from '../rules/time-policy';

/**
 * The time layer of the shown tier (shown-tier.ts): what a program's time policy makes of
 * the rules' verdict. Upgrades apply at once; a verdict below the tier shown either drops
 * the customer at once (the default) or holds the tier until `dropAt`: the end of grace,
 * the review (plus grace) or never for a protected tier. Each Node form has its SQL form
 * beside it: nextReview / nextReviewSql and dropAt / dropAtSql (held-tier.test.ts, on
 * generated instants), heldOnRead / heldOnReadSql (shown-tier.test.ts, every read path),
 * dropsDue / dropSql (time-policy.test.ts and review-crash.test.ts, the falls written),
 * heldStatus / heldStatusSql (time-policy.test.ts, the card against the list filter).
 */

/** What is stored beside the rules' verdict, per customer and program. */
export interface HeldState {
  /** The tier held above the verdict; null when the customer shows the verdict. */
  heldTierKey: string | null;
  /** When the customer entered the tier shown (minimum stay, anniversaries). */
  tierSince: Date;
  /** When the verdict fell below the held tier. */
  belowSince: Date | null;
  /** When the held tier falls unless the verdict recovers; null while held for good (protected). */
  dropAt: Date | null;
}

export type HeldStatus = 'ACTIVE' | 'AT_RISK' | 'IN_GRACE';

export interface PolicyOutcome {
  /** The tier shown before overrides; null = covered with no tier. */
  tierKey: string | null;
  state: HeldState;
}

/** The stored assignment a step starts from: the verdict then, and the held state. */
export interface StoredAssignment {
  tierKey: string | null;
  state: HeldState;
}

/**
 * The wall-clock time of `at` in the program's zone, as a zone-less value (held in UTC), so
 * that calendar arithmetic and comparisons work on wall time as SQL's `AT TIME ZONE` does.
 */
function wall(policy: TimePolicy, at: Date): DateTime {
  return DateTime.fromJSDate(at, { zone: policy.timeZone }).setZone('utc', { keepLocalTime: true });
}

/**
 * The instant a wall-clock time names in the program's zone, resolved as PostgreSQL resolves
 * `timestamp AT TIME ZONE`: a time the clocks skip moves forward, a time they pass twice is
 * the later (standard time). Luxon's own arithmetic keeps the offset it started from instead.
 */
function instantOf(policy: TimePolicy, wallTime: DateTime): Date {
  return wallTime.setZone(policy.timeZone, { keepLocalTime: true }).toJSDate();
}

function plusDays(policy: TimePolicy, at: Date, days: number): Date {
  return days === 0 ? at : instantOf(policy, wall(policy, at).plus({ days }));
}

/** The first review strictly after `after`: a calendar boundary at local midnight, or an anniversary of `tierSince`. */
export function nextReview(policy: TimePolicy, after: Date, tierSince: Date): Date {
  const now = wall(policy, after);
  switch (policy.review) {
    case 'MONTH':
      return instantOf(policy, now.startOf('month').plus({ months: 1 }));
    case 'QUARTER':
      return instantOf(policy, now.startOf('quarter').plus({ months: 3 }));
    case 'YEAR':
      return instantOf(policy, now.startOf('year').plus({ years: 1 }));
    case 'ANNIVERSARY': {
      const since = wall(policy, tierSince);
      // Added to the entry, never stepped year by year: 29 February's anniversary is 28 February, then 29 February again.
      for (let years = Math.max(1, Math.floor(now.diff(since, 'years').years)); ; years += 1) {
        const candidate = since.plus({ years });
        if (candidate > now) return instantOf(policy, candidate);
      }
    }
    default:
      throw new Error(`policy without a review period: ${JSON.stringify(policy)}`);
  }
}

/** SQL form of nextReview over timestamptz expressions. */
export function nextReviewSql(policy: TimePolicy, after: string, tierSince: string, params: SqlParams): string {
  const zone = params.add(policy.timeZone, 'text');
  const at = `(${after} AT TIME ZONE ${zone})`;
  switch (policy.review) {
    case 'MONTH':
      return `((date_trunc('month', ${at}) + interval '1 month') AT TIME ZONE ${zone})`;
    case 'QUARTER':
      return `((date_trunc('quarter', ${at}) + interval '3 months') AT TIME ZONE ${zone})`;
    case 'YEAR':
      return `((date_trunc('year', ${at}) + interval '1 year') AT TIME ZONE ${zone})`;
    case 'ANNIVERSARY': {
      const since = `(${tierSince} AT TIME ZONE ${zone})`;
      return `((SELECT min(${since} + make_interval(years => n)) FROM generate_series(GREATEST(1, extract(year FROM age(${at}, ${since}))::int - 1), extract(year FROM age(${at}, ${since}))::int + 2) n
                WHERE ${since} + make_interval(years => n) > ${at}) AT TIME ZONE ${zone})`;
    }
    default:
      throw new Error(`policy without a review period: ${JSON.stringify(policy)}`);
  }
}

/** When a tier held since `belowSince` falls, for a customer in it since `tierSince`; null for a protected tier. */
export function dropAt(timing: ProgramTiming, tier: TierTiming, belowSince: Date, tierSince: Date): Date | null {
  const { policy } = timing;
  if (tier.protected) return null;
  const stayed = plusDays(policy, tierSince, tier.minimumStayDays);
  const earliest = stayed > belowSince ? stayed : belowSince;
  if (policy.downgrade === 'REVIEW') return plusDays(policy, nextReview(policy, earliest, tierSince), policy.graceDays);
  const graced = plusDays(policy, belowSince, policy.graceDays);
  return graced > stayed ? graced : stayed;
}

/** SQL form of dropAt for one tier of the ladder (protected tiers: NULL). */
export function dropAtSql(timing: ProgramTiming, tier: TierTiming, belowSince: string, tierSince: string, params: SqlParams): string {
  const { policy } = timing;
  if (tier.protected) return 'NULL::timestamptz';
  // A placeholder only where used: PostgreSQL refuses parameters a statement never reads.
  let zone: string | undefined;
  const plus = (at: string, days: number) => {
    if (days === 0) return at;
    zone ??= params.add(policy.timeZone, 'text');
    return `((${at} AT TIME ZONE ${zone}) + make_interval(days => ${params.add(days, 'int')})) AT TIME ZONE ${zone}`;
  };
  const stayed = plus(tierSince, tier.minimumStayDays);
  if (policy.downgrade === 'REVIEW') return `(${plus(nextReviewSql(policy, `GREATEST(${stayed}, ${belowSince})`, tierSince, params), policy.graceDays)})`;
  return `GREATEST(${plus(belowSince, policy.graceDays)}, ${stayed})`;
}

function tierOf(timing: ProgramTiming, key: string | null): TierTiming | undefined {
  return key === null ? undefined : timing.tiers.find((t) => t.key === key);
}

/** Rank order of tier keys; null (no tier) is below every tier. */
function above(timing: ProgramTiming, a: string | null, b: string | null): boolean {
  return (tierOf(timing, a)?.rank ?? -Infinity) > (tierOf(timing, b)?.rank ?? -Infinity);
}

/** The tier one step below `key` in the ladder, never below the verdict. */
function oneDown(timing: ProgramTiming, key: string, verdict: string | null): string | null {
  const index = timing.tiers.findIndex((t) => t.key === key);
  const next = timing.tiers[index + 1]?.key ?? null;
  return above(timing, next, verdict) ? next : verdict;
}

/**
 * Node form: the tier the policy shows at `now` for a verdict, starting from what was
 * stored (null: the customer had no assignment), and the state to store. Held tiers whose
 * drop is due fall first (one step, or to the verdict), as often as their drops fall due.
 */
export function policyStep(timing: ProgramTiming, verdict: Classification, stored: StoredAssignment | null, now: Date): PolicyOutcome {
  const target = verdict.tierKey;
  if (!verdict.applies || stored === null) return { tierKey: target, state: { heldTierKey: null, tierSince: now, belowSince: null, dropAt: null } };
  const drops = dropsDue(timing, verdict, stored, now);
  const state = drops.at(-1)?.state ?? stored.state;
  let shown = drops.at(-1)?.to ?? state.heldTierKey ?? stored.tierKey;
  // A tier the version no longer has holds nothing.
  if (shown !== null && !tierOf(timing, shown)) shown = null;
  if (!above(timing, shown, target)) {
    return { tierKey: target, state: { heldTierKey: null, tierSince: target === shown ? state.tierSince : now, belowSince: null, dropAt: null } };
  }
  const tier = tierOf(timing, shown)!;
  if (!tierHolds(timing, tier)) return { tierKey: target, state: { heldTierKey: null, tierSince: now, belowSince: null, dropAt: null } };
  const belowSince = state.heldTierKey !== null && state.belowSince ? state.belowSince : now;
  const drop = dropAt(timing, tier, belowSince, state.tierSince);
  if (drop !== null && drop <= now) return { tierKey: target, state: { heldTierKey: null, tierSince: now, belowSince: null, dropAt: null } };
  return { tierKey: shown, state: { heldTierKey: shown, tierSince: state.tierSince, belowSince, dropAt: drop } };
}

/** One fall of a held tier: when, from which tier to which, and the state after it. */
export interface Drop {
  at: Date;
  from: string;
  to: string | null;
  state: HeldState;
}

/**
 * The falls of a held tier due by `now`, in order: one per review or grace end passed, one
 * tier down each (steps ONE) or straight to the verdict. None when the verdict has recovered.
 */
export function dropsDue(timing: ProgramTiming, verdict: Classification, stored: StoredAssignment, now: Date): Drop[] {
  const drops: Drop[] = [];
  let state = stored.state;
  let shown = state.heldTierKey;
  if (shown !== null && !tierOf(timing, shown)) return drops;
  while (shown !== null && state.heldTierKey !== null && state.dropAt !== null && state.dropAt <= now && above(timing, shown, verdict.tierKey)) {
    const at = state.dropAt;
    const to = timing.policy.steps === 'ONE' ? oneDown(timing, shown, verdict.tierKey) : verdict.tierKey;
    state = above(timing, to, verdict.tierKey)
      ? { heldTierKey: to, tierSince: at, belowSince: at, dropAt: dropAt(timing, tierOf(timing, to)!, at, at) }
      : { heldTierKey: null, tierSince: at, belowSince: null, dropAt: null };
    drops.push({ at, from: shown, to, state });
    shown = to;
  }
  return drops;
}

/** SQL expressions of one fall of a held tier (dropsDue's step), over stored columns. */
export interface DropSql {
  /** The tier shown after the fall: one down, or the verdict. */
  to: string;
  /** Whether the tier after the fall is still held above the verdict. */
  stillHeld: string;
  /** When the tier after the fall falls in turn (where stillHeld). */
  nextDropAt: string;
}

/** SQL form of one step of dropsDue for a stored verdict, held tier and drop instant. */
export function dropSql(timing: ProgramTiming, columns: { verdict: string; held: string; dropAt: string }, params: SqlParams): DropSql {
  if (timing.policy.steps === 'TO_VERDICT') return { to: columns.verdict, stillHeld: 'false', nextDropAt: 'NULL::timestamptz' };
  // The ladder highest first: a tier's position is its place from the top; no tier is below every tier.
  const ladder = params.add(
    timing.tiers.map((t) => t.key),
    'text[]',
  );
  const heldAt = `array_position(${ladder}, ${columns.held})`;
  const verdictAt = `COALESCE(array_position(${ladder}, ${columns.verdict}), cardinality(${ladder}) + 1)`;
  const stillHeld = `(${heldAt} IS NOT NULL AND ${heldAt} + 1 < ${verdictAt})`;
  const to = `(CASE WHEN ${stillHeld} THEN (${ladder})[${heldAt} + 1] ELSE ${columns.verdict} END)`;
  const branches = timing.tiers.map((t) => `WHEN ${params.add(t.key, 'text')} THEN ${dropAtSql(timing, t, columns.dropAt, columns.dropAt, params)}`).join(' ');
  return { to, stillHeld, nextDropAt: `(CASE WHEN ${stillHeld} THEN (CASE ${to} ${branches} END) END)` };
}

/**
 * The tier a read shows above a live verdict, or null for the verdict itself: what
 * policyStep would give once no drop is due. Drops fall when they are recorded (the
 * scheduler, or the next write to the customer, within a poll of their instant), so a read
 * keeps showing a held tier until then, as history does.
 */
export function heldOnRead(timing: ProgramTiming, verdict: Classification, stored: StoredAssignment | null, now: Date): string | null {
  if (!verdict.applies || stored === null) return null;
  const current = tierOf(timing, stored.state.heldTierKey ?? stored.tierKey);
  if (!current || !above(timing, current.key, verdict.tierKey) || !tierHolds(timing, current)) return null;
  if (stored.state.heldTierKey !== null) return current.key;
  const drop = dropAt(timing, current, now, stored.state.tierSince);
  return drop !== null && drop <= now ? null : current.key;
}

/**
 * SQL form of heldOnRead over a live verdict's tier key (NULL = none), the stored
 * assignment's columns (`had` false: none stored) and the read's instant: the held tier's
 * key, or NULL for the verdict.
 */
export function heldOnReadSql(
  timing: ProgramTiming,
  verdict: string,
  stored: { had: string; tierKey: string; held: string; tierSince: string },
  now: string,
  params: SqlParams,
): string {
  const ladder = params.add(
    timing.tiers.map((t) => t.key),
    'text[]',
  );
  const holding = params.add(
    timing.tiers.filter((t) => tierHolds(timing, t)).map((t) => t.key),
    'text[]',
  );
  const current = `COALESCE(${stored.held}, ${stored.tierKey})`;
  const higher = `COALESCE(array_position(${ladder}, ${current}) < COALESCE(array_position(${ladder}, ${verdict}), cardinality(${ladder}) + 1), false)`;
  const branches = timing.tiers.map((t) => `WHEN ${params.add(t.key, 'text')} THEN ${dropAtSql(timing, t, now, stored.tierSince, params)}`).join(' ');
  return `(CASE WHEN NOT ${stored.had} OR NOT ${higher} OR NOT COALESCE(${current} = ANY(${holding}), false) THEN NULL
                WHEN ${stored.held} IS NOT NULL THEN ${current}
                WHEN (CASE ${current} ${branches} END) <= ${now} THEN NULL
                ELSE ${current} END)`;
}

/** What a held tier's card says: its status and, under a review policy, the review's instant. */
export function heldStatus(timing: ProgramTiming, state: HeldState, now: Date): { status: HeldStatus; reviewAt: Date | null } {
  const { policy } = timing;
  if (state.heldTierKey === null || state.dropAt === null || state.belowSince === null) return { status: 'ACTIVE', reviewAt: null };
  if (policy.downgrade === 'REVIEW') {
    const reviewAt = plusDays(policy, state.dropAt, -policy.graceDays);
    return { status: now < reviewAt ? 'AT_RISK' : 'IN_GRACE', reviewAt };
  }
  const graceEnds = plusDays(policy, state.belowSince, policy.graceDays);
  return { status: policy.graceDays > 0 && now < graceEnds ? 'IN_GRACE' : 'AT_RISK', reviewAt: null };
}

/** SQL form of heldStatus over stored columns and the read's instant: 'ACTIVE', 'AT_RISK' or 'IN_GRACE'. */
export function heldStatusSql(timing: ProgramTiming, columns: { held: string; belowSince: string; dropAt: string }, now: string, params: SqlParams): string {
  const { policy } = timing;
  const zone = params.add(policy.timeZone, 'text');
  const days = (at: string, n: number) => `((${at} AT TIME ZONE ${zone}) + make_interval(days => ${params.add(n, 'int')})) AT TIME ZONE ${zone}`;
  const held = `(${columns.held} IS NOT NULL AND ${columns.dropAt} IS NOT NULL AND ${columns.belowSince} IS NOT NULL)`;
  if (policy.downgrade === 'REVIEW') {
    const reviewAt = policy.graceDays ? days(columns.dropAt, -policy.graceDays) : columns.dropAt;
    return `(CASE WHEN NOT ${held} THEN 'ACTIVE' WHEN ${now} < ${reviewAt} THEN 'AT_RISK' ELSE 'IN_GRACE' END)`;
  }
  const grace = policy.graceDays > 0 ? `${now} < ${days(columns.belowSince, policy.graceDays)}` : 'false';
  return `(CASE WHEN NOT ${held} THEN 'ACTIVE' WHEN ${grace} THEN 'IN_GRACE' ELSE 'AT_RISK' END)`;
}
