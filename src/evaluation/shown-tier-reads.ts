import { Context } from '../context';
import { Facts, ProgramEvaluator, SQL_NO_TIER, SQL_OUTSIDE, SqlParams, sqlClassifications } from '../engine';
import type { PublishedProgram } from '../programs/program-registry';
import { activeOverrideJoin, assignmentsCurrent, decodeTier, encodeTier, shownTier, shownTierSql, storedShownTierSql } from './shown-tier';
import { StoredAssignment, dropAt, dropAtSql, heldOnRead, heldOnReadSql } from './held-tier';
import { assignmentKey, storedAssignments } from './stored-assignments';
import { ProgramTiming, timingHolds } from '../rules/time-policy';

/**
 * Set-wise reads of shown tiers (lists by tier, distributions, simulations). Each is one
 * SQL statement over the forms in shown-tier.ts; the rows SQL cannot decide (facts that
 * break their catalog type) are decided in Node by the same owner, so no read drops them.
 */

/**
 * `source` (a SELECT with columns `id` and `facts`, in the order wanted) with each row's
 * shown tier code in the program as `code`, beside the `keep` columns. Reads the stored
 * assignments when they are current (customers without one are left out: they are outside),
 * else classifies the facts in SQL (customers outside are coded SQL_OUTSIDE).
 */
function withShownTier(published: PublishedProgram, source: string, keep: readonly string[], params: SqlParams, now: Date): string {
  const columns = keep.map((k) => `s.${k}`).join(', ');
  const holds = timingHolds(published.timing);
  if (assignmentsCurrent(published)) {
    // Current assignments hold their time layer as written (held-tier.ts).
    return `SELECT ${columns}, ${storedShownTierSql(published, 'a.tier_key', 'o.tier_key', params, holds ? 'a.held_tier_key' : null)} AS code
      FROM (${source}) s
      JOIN tier_assignment a ON a.customer_id = s.id AND a.program_id = ${params.add(published.program.id, 'uuid')}
      ${activeOverrideJoin(published.program.id, params, 's.id', now)}`;
  }
  const facts = keep.includes('facts') ? '' : ', s.facts';
  // Under a time policy the live verdict meets what was stored: a fall may be held.
  const stored = holds
    ? { columns: ', a.customer_id IS NOT NULL AS had, a.tier_key AS stored_tier, a.held_tier_key AS stored_held, a.tier_since AS stored_since', keep: ['had', 'stored_tier', 'stored_held', 'stored_since'] }
    : { columns: '', keep: [] };
  const storedJoin = holds ? `LEFT JOIN tier_assignment a ON a.customer_id = s.id AND a.program_id = ${params.add(published.program.id, 'uuid')}` : '';
  const overridden = `SELECT ${columns}, o.tier_key AS override_tier${stored.columns}${facts} FROM (${source}) s ${activeOverrideJoin(published.program.id, params, 's.id', now)} ${storedJoin}`;
  const classified = sqlClassifications(overridden, [...keep, 'override_tier', ...stored.keep], [published.evaluator.definition], params);
  const held = holds
    ? heldOnReadSql(published.timing, `NULLIF(r.k0, '${SQL_NO_TIER}')`, { had: 'r.had', tierKey: 'r.stored_tier', held: 'r.stored_held', tierSince: 'r.stored_since' }, params.add(now, 'timestamptz'), params)
    : null;
  return `SELECT ${keep.map((k) => `r.${k}`).join(', ')}, ${shownTierSql(published, 'r.k0', 'r.override_tier', params, held)} AS code FROM (${classified}) r`;
}

/** Node decides the rows SQL could not: id → shown tier code. */
async function decideInNode(ctx: Context, published: PublishedProgram, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const params = new SqlParams();
  const now = ctx.deps.clock.now();
  const rows: { id: string; facts: Facts; override_tier: string | null }[] = await ctx.db.query(
    `SELECT c.id, c.facts, o.tier_key AS override_tier FROM customer c ${activeOverrideJoin(published.program.id, params, 'c.id', now)}
      WHERE c.id = ANY(${params.add(ids, 'uuid[]')})`,
    params.values,
  );
  const stored = timingHolds(published.timing) ? await storedAssignments(ctx.db, ids, [published.program.id]) : new Map<string, StoredAssignment>();
  const codes = new Map<string, string>();
  for (const row of rows) {
    const verdict = await published.evaluator.classify(row.facts);
    const held = heldOnRead(published.timing, verdict, stored.get(assignmentKey(row.id, published.program.id)) ?? null, now);
    codes.set(row.id, encodeTier(shownTier(published, verdict, row.override_tier, held)));
  }
  return codes;
}

/** Customers the program covers per shown tier (null = no tier). */
export async function countShownTiers(ctx: Context, published: PublishedProgram): Promise<Map<string | null, number>> {
  const params = new SqlParams();
  const rows: { code: string | null; count: number; undecided: string[] | null }[] = await ctx.db.query(
    `SELECT code, count(*)::int AS count, CASE WHEN code IS NULL THEN array_agg(id) END AS undecided
       FROM (${withShownTier(published, 'SELECT c.id, c.facts FROM customer c', ['id'], params, ctx.deps.clock.now())}) x GROUP BY code`,
    params.values,
  );
  const counts = new Map<string | null, number>();
  const add = (code: string, n: number) => {
    const { covered, tierKey } = decodeTier(code);
    if (covered) counts.set(tierKey, (counts.get(tierKey) ?? 0) + n);
  };
  for (const row of rows) {
    if (row.code !== null) add(row.code, row.count);
    else for (const code of (await decideInNode(ctx, published, row.undecided ?? [])).values()) add(code, 1);
  }
  return counts;
}

/** Which customers a list by program wants: those covered, or those showing one tier. */
export interface ShownTierMatch {
  published: PublishedProgram;
  tierKey: string | null;
}

function matches(match: ShownTierMatch, code: string): boolean {
  const { covered, tierKey } = decodeTier(code);
  return covered && (match.tierKey === null || tierKey === match.tierKey);
}

function matchSql(match: ShownTierMatch, params: SqlParams): string {
  return match.tierKey === null ? `x.code <> ${params.add(SQL_OUTSIDE, 'text')}` : `x.code = ${params.add(match.tierKey, 'text')}`;
}

/**
 * A page of `source` rows (a SELECT of customer rows in `order`, built for a cursor and a
 * limit; `order.cursorOf` gives the cursor after a row) whose shown tier matches. Rows SQL cannot decide are read too and decided in Node;
 * when that leaves the page short, the next rows are read, so a page is never cut short.
 */
export async function pageShowingTier(
  ctx: Context,
  match: ShownTierMatch,
  source: (after: string | null, params: SqlParams) => string,
  keep: readonly string[],
  after: string | null,
  limit: number,
  order: { sql: string; cursorOf(row: Record<string, unknown>): string } = { sql: 'x.id ASC', cursorOf: (row) => row.id as string },
): Promise<Record<string, unknown>[]> {
  const page: Record<string, unknown>[] = [];
  for (let cursor = after; page.length < limit; ) {
    const params = new SqlParams();
    const rows: Record<string, unknown>[] = await ctx.db.query(
      `SELECT x.* FROM (${withShownTier(match.published, source(cursor, params), keep, params, ctx.deps.clock.now())}) x
        WHERE ${matchSql(match, params)} OR x.code IS NULL ORDER BY ${order.sql} LIMIT ${params.add(limit, 'int')}`,
      params.values,
    );
    const decided = await decideInNode(ctx, match.published, rows.filter((r) => r.code === null).map((r) => r.id as string));
    for (const row of rows) {
      if (matches(match, (row.code as string | null) ?? decided.get(row.id as string)!)) page.push(row);
    }
    if (rows.length < limit) break;
    cursor = order.cursorOf(rows[rows.length - 1]);
  }
  return page.slice(0, limit);
}

/** How many `source` rows (a SELECT of customer rows) show a matching tier. */
export async function countShowingTier(ctx: Context, match: ShownTierMatch, source: (params: SqlParams) => string, keep: readonly string[]): Promise<number> {
  const params = new SqlParams();
  const [row]: { count: number; undecided: string[] | null }[] = await ctx.db.query(
    `SELECT count(*) FILTER (WHERE ${matchSql(match, params)})::int AS count, array_agg(x.id) FILTER (WHERE x.code IS NULL) AS undecided
       FROM (${withShownTier(match.published, source(params), keep, params, ctx.deps.clock.now())}) x`,
    params.values,
  );
  const decided = await decideInNode(ctx, match.published, row.undecided ?? []);
  return row.count + [...decided.values()].filter((code) => matches(match, code)).length;
}

/** Customers sharing one shown tier under each of the ladders. */
export interface ClassifiedGroup {
  /** Per ladder: a tier code (see shown-tier.ts). */
  keys: string[];
  count: number;
  /** Up to `sampleSize` customer ids from groups whose keys differ. */
  sample: string[];
  /** Of them, customers the last ladder's time policy holds above its verdict, and when the first and last of them would fall. */
  held: number;
  heldFall: { first: Date; last: Date } | null;
}

/**
 * Classifies every customer live under each program version in one aggregate query over the
 * facts JSONB, compiled from the rule documents, with the program's active overrides applied
 * to every ladder (simulation compares what customers would show) and, where a ladder's time
 * rules can hold a tier (`timings`), the program's stored assignments: a customer whose
 * verdict falls below the tier shown keeps it as the policy says. Rows SQL cannot decide are
 * classified in Node instead, so the counts are exact.
 */
export async function classifyCustomers(
  ctx: Context,
  evaluators: ProgramEvaluator[],
  sampleSize = 0,
  overridesOf: string | null = null,
  timings: readonly (ProgramTiming | null)[] = [],
): Promise<ClassifiedGroup[]> {
  const params = new SqlParams();
  const now = ctx.deps.clock.now();
  // A hash join against the few active overrides, not one index probe per customer.
  const overrideJoin = overridesOf ? activeOverrideJoin(overridesOf, params, 'c.id', now) : '';
  const overrideTier = overridesOf ? 'o.tier_key' : 'NULL::text';
  const holding = overridesOf ? timings.map((t) => (t && timingHolds(t) ? t : null)) : [];
  const stored = holding.some((t) => t !== null);
  const storedJoin = stored ? `LEFT JOIN tier_assignment a ON a.customer_id = c.id AND a.program_id = ${params.add(overridesOf, 'uuid')}` : '';
  const storedColumns = stored
    ? ', a.customer_id IS NOT NULL AS had, a.tier_key AS stored_tier, a.held_tier_key AS stored_held, a.tier_since AS stored_since, a.below_since AS stored_below'
    : '';
  const storedKeep = stored ? ['had', 'stored_tier', 'stored_held', 'stored_since', 'stored_below'] : [];
  const definitions = evaluators.map((e) => e.definition);
  const keys = definitions.map((_, i) => `k${i}`);
  const rules = sqlClassifications(
    `SELECT c.id, ${overrideTier} AS override_tier${storedColumns}, c.facts FROM customer c ${overrideJoin} ${storedJoin}`,
    ['id', 'override_tier', ...storedKeep],
    definitions,
    params,
  );
  const nowParam = stored ? params.add(now, 'timestamptz') : '';
  const heldOf = (i: number, k: string) => {
    const timing = holding[i];
    return timing ? heldOnReadSql(timing, `NULLIF(r.${k}, '${SQL_NO_TIER}')`, { had: 'r.had', tierKey: 'r.stored_tier', held: 'r.stored_held', tierSince: 'r.stored_since' }, nowParam, params) : null;
  };
  // Under the last ladder's policy: which customers it holds, and when each would fall (a hold starting now, or one already running).
  const last = keys.length - 1;
  const lastTiming = holding[last] ?? null;
  const heldLast = lastTiming ? heldOf(last, keys[last])! : 'NULL::text';
  const fall = lastTiming
    ? `(CASE h.held_last ${lastTiming.tiers.map((t) => `WHEN ${params.add(t.key, 'text')} THEN ${dropAtSql(lastTiming, t, `COALESCE(h.stored_below, ${nowParam})`, 'h.stored_since', params)}`).join(' ')} END)`
    : 'NULL::timestamptz';
  const shown = `SELECT id, override_tier, ${heldLast} AS held_last, ${stored ? 'r.stored_below, r.stored_since, ' : ''}${keys
    .map((k, i) => `${shownTierSql(definitions[i], `r.${k}`, 'override_tier', params, heldOf(i, k))} AS ${k}`)
    .join(', ')}
    FROM (${rules}) r`;
  const classified = `SELECT h.*, h.held_last IS NOT NULL AND h.${keys[last]} = h.held_last AS held, ${fall} AS fall FROM (${shown}) h`;
  const undecided = keys.map((k) => `${k} IS NULL`).join(' OR ');
  const differ = keys.slice(1).map((k) => `${k} IS DISTINCT FROM k0`).join(' OR ') || 'false';
  const rows: Record<string, unknown>[] = await ctx.db.query(
    `SELECT ${keys.join(', ')}, count(*)::int AS count,
            (array_agg(id) FILTER (WHERE ${differ}))[1:${Number(sampleSize)}] AS sample,
            count(*) FILTER (WHERE held)::int AS held, min(fall) FILTER (WHERE held) AS fall_first, max(fall) FILTER (WHERE held) AS fall_last
       FROM (${classified}) x GROUP BY ${keys.join(', ')}`,
    params.values,
  );
  const groups = new Map<string, ClassifiedGroup>();
  const add = (groupKeys: string[], count: number, ids: string[], held = 0, first: Date | null = null, latest: Date | null = null) => {
    const id = groupKeys.join('\u0000');
    const group = groups.get(id) ?? { keys: groupKeys, count: 0, sample: [], held: 0, heldFall: null };
    group.count += count;
    group.sample = [...group.sample, ...ids].slice(0, sampleSize);
    group.held += held;
    if (first && latest) {
      group.heldFall = group.heldFall
        ? { first: first < group.heldFall.first ? first : group.heldFall.first, last: latest > group.heldFall.last ? latest : group.heldFall.last }
        : { first, last: latest };
    }
    groups.set(id, group);
  };
  let anyUndecided = false;
  for (const row of rows) {
    const groupKeys = keys.map((k) => row[k] as string | null);
    if (groupKeys.includes(null)) anyUndecided = true;
    else add(groupKeys as string[], row.count as number, (row.sample as string[] | null) ?? [], row.held as number, row.fall_first as Date | null, row.fall_last as Date | null);
  }
  if (anyUndecided) {
    const leftovers: { id: string; facts: Facts; override_tier: string | null }[] = await ctx.db.query(
      `SELECT x.id, c.facts, x.override_tier FROM (${classified}) x JOIN customer c ON c.id = x.id WHERE ${undecided} ORDER BY x.id`,
      params.values,
    );
    const storedRows = stored ? await storedAssignments(ctx.db, leftovers.map((r) => r.id), [overridesOf!]) : new Map<string, StoredAssignment>();
    for (const row of leftovers) {
      const before = storedRows.get(assignmentKey(row.id, overridesOf ?? '')) ?? null;
      let heldKey: string | null = null;
      const groupKeys = await Promise.all(
        evaluators.map(async (evaluator, i) => {
          const verdict = await evaluator.classify(row.facts);
          const timing = holding[i];
          const held = timing ? heldOnRead(timing, verdict, before, now) : null;
          const shownHere = shownTier(definitions[i], verdict, row.override_tier, held);
          if (i === last && held !== null && shownHere.tierKey === held) heldKey = held;
          return encodeTier(shownHere);
        }),
      );
      const heldTiming = heldKey !== null && lastTiming ? lastTiming.tiers.find((t) => t.key === heldKey) : undefined;
      const falls = heldTiming && before ? dropAt(lastTiming!, heldTiming, before.state.belowSince ?? now, before.state.tierSince) : null;
      add(groupKeys, 1, groupKeys.some((k) => k !== groupKeys[0]) ? [row.id] : [], heldKey !== null ? 1 : 0, falls, falls);
    }
  }
  return [...groups.values()];
}
