import fc from 'fast-check';
import { ProgramEvaluator, SqlParams, compilePredicate, compileSqlPredicate } from '../../src/engine';
import { TestDatabase, createTestDatabase } from '../helpers/database';
import { conditions, facts } from '../helpers/rule-arbitraries';

/**
 * json-rules-engine is the reference: the closure must agree with it on every generated
 * case, and the SQL predicate must agree wherever it decides (NULL = "evaluate in JS").
 */
describe('compiled rules against json-rules-engine', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const CASES = 10_000;
  const BATCH = 250;

  it(`agree on ${CASES} generated rules and fact sets`, async () => {
    const cases = fc.sample(fc.tuple(conditions, facts), { numRuns: CASES, seed: 20261122 });
    const mismatches: unknown[] = [];
    let undecided = 0;
    let passed = 0;
    for (let start = 0; start < cases.length; start += BATCH) {
      const batch = cases.slice(start, start + BATCH);
      const params = new SqlParams();
      const columns = batch.map(([tree, f]) => {
        const factsParam = params.add(JSON.stringify(f), 'jsonb');
        // The guard only mentions the parameter, so a predicate that ignores facts still types it.
        return `CASE WHEN ${factsParam} IS NULL THEN NULL ELSE ${compileSqlPredicate(tree, factsParam, params)} END`;
      });
      const [row] = await db.dataSource.query(`SELECT ${columns.map((c, i) => `${c} AS c${i}`).join(', ')}`, params.values);
      for (const [i, [tree, f]] of batch.entries()) {
        const evaluator = new ProgramEvaluator({ key: 'p', version: 1, appliesTo: null, tiers: [{ key: 'T', rank: 1, rule: { conditions: tree as never } }] });
        const reference = (await evaluator.evaluate(f)).matchedTierKey === 'T';
        const closure = compilePredicate(tree)(f);
        const sql: boolean | null = row[`c${i}`];
        if (sql === null) undecided += 1;
        if (reference) passed += 1;
        if (closure !== reference || (sql !== null && sql !== reference)) mismatches.push({ tree, facts: f, reference, closure, sql });
      }
    }
    expect(mismatches).toEqual([]);
    // The generator must exercise both outcomes, or agreement would prove little.
    expect(passed).toBeGreaterThan(CASES * 0.2);
    expect(passed).toBeLessThan(CASES * 0.8);
    // Undecided rows only come from values that break their catalog type; they must stay rare.
    expect(undecided).toBeLessThan(CASES * 0.05);
  });
});
