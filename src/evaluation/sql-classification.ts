import { Context } from '../context';
import { Facts, ProgramDefinition, SQL_NO_TIER, SQL_OUTSIDE, SqlParams, compileClassifier, compileSqlClassifier } from '../engine';

/** Customers sharing one classification under each of the definitions. */
export interface ClassifiedGroup {
  /** Per definition: a tier key, SQL_NO_TIER or SQL_OUTSIDE. */
  keys: string[];
  count: number;
  /** Up to `sampleSize` customer ids, lowest first, from groups whose keys differ. */
  sample: string[];
}

/**
 * Classifies every customer under each definition in one aggregate query over the facts
 * JSONB, compiled from the rule documents. Rows SQL cannot decide (facts breaking their
 * catalog type) are fetched and classified by the compiled closures instead, so the counts
 * are exact.
 */
export async function classifyCustomers(ctx: Context, definitions: ProgramDefinition[], sampleSize = 0): Promise<ClassifiedGroup[]> {
  const params = new SqlParams();
  const columns = definitions.map((d, i) => `${compileSqlClassifier(d, 'c.facts', params)} AS k${i}`);
  const keys = definitions.map((_, i) => `k${i}`);
  const classified = `SELECT c.id, c.facts, ${columns.join(', ')} FROM customer c`;
  const undecided = keys.map((k) => `${k} IS NULL`).join(' OR ');
  const differ = keys.slice(1).map((k) => `${k} IS DISTINCT FROM k0`).join(' OR ') || 'false';
  const rows: Record<string, unknown>[] = await ctx.db.query(
    `SELECT ${keys.join(', ')}, count(*)::int AS count,
            (array_agg(id ORDER BY id) FILTER (WHERE ${differ}))[1:${Number(sampleSize)}] AS sample
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
    const leftovers: { id: string; facts: Facts }[] = await ctx.db.query(`SELECT id, facts FROM (${classified}) x WHERE ${undecided} ORDER BY id`, params.values);
    const closures = definitions.map(compileClassifier);
    for (const row of leftovers) {
      const groupKeys = closures.map((classify) => {
        const r = classify(row.facts);
        return r.applies ? (r.tierKey ?? SQL_NO_TIER) : SQL_OUTSIDE;
      });
      add(groupKeys, 1, groupKeys.some((k) => k !== groupKeys[0]) ? [row.id] : []);
    }
  }
  return [...groups.values()];
}
