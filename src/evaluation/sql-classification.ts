import { Context } from '../context';
import { Facts, ProgramEvaluator, SQL_NO_TIER, SQL_OUTSIDE, SqlParams, sqlClassifications } from '../engine';
import { ACTIVE_OVERRIDE } from './tier-override.entity';

/**
 * SQL for a customer's active override tier in the program, or NULL. Expired overrides
 * stop counting at once: the expiry is compared with now() on every read.
 */
export function activeOverrideTier(programId: string, params: SqlParams, customerId = 'c.id'): string {
  return `(SELECT o.tier_key FROM tier_override o WHERE o.customer_id = ${customerId} AND o.program_id = ${params.add(programId, 'uuid')} AND ${ACTIVE_OVERRIDE})`;
}

/**
 * The tier a customer shows, from a compiled classification (tier key, SQL_NO_TIER,
 * SQL_OUTSIDE or NULL = undecided): an active override wins for covered customers. An
 * override naming a tier the rules no longer have does not count, as in live evaluation.
 */
export function withOverride(classification: string, overrideTier: string, tierKeys: readonly string[], params: SqlParams): string {
  return `(CASE WHEN ${overrideTier} = ANY(${params.add(tierKeys, 'text[]')}) AND ${classification} <> '${SQL_OUTSIDE}' THEN ${overrideTier} ELSE ${classification} END)`;
}

/** The same for a stored assignment, whose NULL tier means "covered, no tier". */
export function storedWithOverride(storedTier: string, overrideTier: string, tierKeys: readonly string[], params: SqlParams): string {
  return `(CASE WHEN ${overrideTier} = ANY(${params.add(tierKeys, 'text[]')}) THEN ${overrideTier} ELSE ${storedTier} END)`;
}

/** Customers sharing one classification under each of the definitions. */
export interface ClassifiedGroup {
  /** Per definition: a tier key, SQL_NO_TIER or SQL_OUTSIDE. */
  keys: string[];
  count: number;
  /** Up to `sampleSize` customer ids from groups whose keys differ. */
  sample: string[];
}

/**
 * Classifies every customer under each program version in one aggregate query over the
 * facts JSONB, compiled from the rule documents. Rows SQL cannot decide (facts breaking
 * their catalog type) are fetched and classified by the evaluators instead, so the counts
 * are exact.
 */
export async function classifyCustomers(
  ctx: Context,
  evaluators: ProgramEvaluator[],
  sampleSize = 0,
  /** Applies the program's active overrides to every classification. */
  overridesOf: string | null = null,
): Promise<ClassifiedGroup[]> {
  const params = new SqlParams();
  // A hash join against the few active overrides, not one index probe per customer.
  const overrideJoin = overridesOf
    ? `LEFT JOIN tier_override o ON o.customer_id = c.id AND o.program_id = ${params.add(overridesOf, 'uuid')} AND ${ACTIVE_OVERRIDE}`
    : '';
  const overrideTier = overridesOf ? 'o.tier_key' : 'NULL::text';
  const definitions = evaluators.map((e) => e.definition);
  const keys = definitions.map((_, i) => `k${i}`);
  const rules = sqlClassifications(`SELECT c.id, ${overrideTier} AS override_tier, c.facts FROM customer c ${overrideJoin}`, ['id', 'override_tier'], definitions, params);
  const classified = `SELECT id, override_tier, ${keys.map((k, i) => `${withOverride(`r.${k}`, 'override_tier', definitions[i].tiers.map((t) => t.key), params)} AS ${k}`).join(', ')}
    FROM (${rules}) r`;
  const undecided = keys.map((k) => `${k} IS NULL`).join(' OR ');
  const differ = keys.slice(1).map((k) => `${k} IS DISTINCT FROM k0`).join(' OR ') || 'false';
  const rows: Record<string, unknown>[] = await ctx.db.query(
    `SELECT ${keys.join(', ')}, count(*)::int AS count,
            (array_agg(id) FILTER (WHERE ${differ}))[1:${Number(sampleSize)}] AS sample
       FROM (${classified}) x GROUP BY ${keys.join(', ')}`,
    params.values,
  );
  const groups = new Map<string, ClassifiedGroup>();
  const add = (groupKeys: string[], count: number, ids: string[]) => {
    const id = groupKeys.join('\u0000');
    const group = groups.get(id) ?? { keys: groupKeys, count: 0, sample: [] };
    group.count += count;
    group.sample = [...group.sample, ...ids].slice(0, sampleSize);
    groups.set(id, group);
  };
  let anyUndecided = false;
  for (const row of rows) {
    const groupKeys = keys.map((k) => row[k] as string | null);
    if (groupKeys.includes(null)) anyUndecided = true;
    else add(groupKeys as string[], row.count as number, (row.sample as string[] | null) ?? []);
  }
  if (anyUndecided) {
    const leftovers: { id: string; facts: Facts; override_tier: string | null }[] = await ctx.db.query(
      `SELECT x.id, c.facts, x.override_tier FROM (${classified}) x JOIN customer c ON c.id = x.id WHERE ${undecided} ORDER BY x.id`,
      params.values,
    );
    for (const row of leftovers) {
      const groupKeys = await Promise.all(
        evaluators.map(async (evaluator, i) => {
          const r = await evaluator.classify(row.facts);
          const overridden = row.override_tier && definitions[i].tiers.some((t) => t.key === row.override_tier);
          return r.applies ? (overridden ? row.override_tier! : (r.tierKey ?? SQL_NO_TIER)) : SQL_OUTSIDE;
        }),
      );
      add(groupKeys, 1, groupKeys.some((k) => k !== groupKeys[0]) ? [row.id] : []);
    }
  }
  return [...groups.values()];
}
