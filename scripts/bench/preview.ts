import { systemContext } from '../../src/context';
import { ProgramDocument } from '../../src/programs/rule-set-version.entity';
import { withTransaction } from '../../src/shared/transaction';
import { BenchDatabase, BenchOptions, RULE_CHANGES, changed, publishedProgram, summary, timed } from './support';

const PROGRAM = 'retail-bank';

/** The hand-written CASE for DOMAIN.md's retail ladder: NULL outside the program (not an individual). */
function handWrittenTier(document: ProgramDocument): string {
  const branches = [...document.tiers]
    .sort((a, b) => b.rank - a.rank)
    .map((t) => {
      const [leaf] = (t.conditions as { all: { value: number }[] }).all;
      return leaf ? `WHEN (c.facts->>'balance')::float8 >= ${Number(leaf.value)} THEN '${t.key}'` : `ELSE '${t.key}'`;
    });
  return `CASE WHEN c.facts->>'customerType' = 'individual' THEN CASE ${branches.join(' ')} END END`;
}

/** "from→to" → count; outside the program is "-". */
type Matrix = Map<string, number>;
const cell = (from: string | null, to: string | null) => `${from ?? '-'}→${to ?? '-'}`;

/**
 * The impact preview of a draft (`ruleDraftSimulate`: every customer classified under the
 * rules in force and under the draft in one aggregate query, with samples and entitlement
 * changes per movement) against a hand-written `GROUP BY` over the same two CASE ladders.
 * Both must give the same movement matrix.
 */
export async function benchPreview(options: BenchOptions, db: BenchDatabase): Promise<void> {
  const original = (await publishedProgram(db, PROGRAM)).version.document;
  for (const change of RULE_CHANGES) {
    const next = changed(original, change);
    const draft = await withTransaction(db.ctx, async (tx) => {
      const opened = await db.services.drafts.create(tx, PROGRAM);
      return db.services.drafts.update(tx, opened.id, opened.revision, next as never);
    });
    const times = { strata: [] as number[], sql: [] as number[] };
    let matrices: { strata: Matrix; sql: Matrix } = { strata: new Map(), sql: new Map() };
    let moving = 0;
    for (let run = 0; run < options.runs; run += 1) {
      const strata = await timed(() => db.services.simulation.simulate(systemContext(db.deps, 'bench'), draft, 5));
      times.strata.push(strata.ms);
      moving = strata.result.moving;
      const sql = await timed(
        () =>
          db.dataSource.query(
            `SELECT ${handWrittenTier(original)} AS from_tier, ${handWrittenTier(next)} AS to_tier, count(*)::int AS count FROM customer c GROUP BY 1, 2`,
          ) as Promise<{ from_tier: string | null; to_tier: string | null; count: number }[]>,
      );
      times.sql.push(sql.ms);
      matrices = {
        strata: new Map(strata.result.movements.map((m) => [cell(m.fromCovered ? m.fromTierKey : null, m.toCovered ? m.toTierKey : null), m.count])),
        sql: new Map(sql.result.map((r) => [cell(r.from_tier, r.to_tier), r.count])),
      };
      options.log(`  preview ${db.customers.toLocaleString('en')}, ${change.name}, run ${run + 1}/${options.runs}: Strata ${strata.ms.toFixed(0)} ms, SQL ${sql.ms.toFixed(0)} ms`);
    }
    const differing = [...new Set([...matrices.strata.keys(), ...matrices.sql.keys()])].filter((k) => matrices.strata.get(k) !== matrices.sql.get(k));
    if (differing.length) throw new Error(`the preview and the hand-written GROUP BY disagree on ${differing.join(', ')}`);
    await withTransaction(db.ctx, (tx) => db.services.drafts.discard(tx, draft.id, draft.revision));
    const strata = summary(times.strata);
    const sql = summary(times.sql);
    options.report({
      suite: 'preview',
      figure: 'impact preview',
      customers: db.customers,
      change: change.name,
      moving,
      strataMs: strata,
      handWrittenGroupByMs: sql,
      strataToSql: Number((strata.median / sql.median).toFixed(2)),
    });
  }
}
