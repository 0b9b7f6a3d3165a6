import { runFidelity } from '../helpers/fidelity';
import { TestDatabase, createTestDatabase } from '../helpers/database';

/**
 * json-rules-engine is the reference: the compiled closures must agree with it on every
 * generated case, and the compiled SQL wherever it decides (NULL = "evaluate in Node").
 * `npm run bench:fidelity` runs the same check on 1,000,000 cases.
 */
describe('compiled rules against json-rules-engine', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const CASES = 10_000;

  it(`agree on ${CASES} generated programs and fact sets`, async () => {
    const report = await runFidelity({ cases: CASES, seed: 20261122, query: (sql, params) => db.dataSource.query(sql, params) });
    expect(report.mismatches).toEqual([]);
    expect(report.mismatchCount).toBe(0);
    expect(report.cases).toBe(CASES);
    expect(report.explanations).toBe(CASES);
    // The generator must exercise both outcomes, or agreement would prove little.
    expect(report.passedRules).toBeGreaterThan(report.rules * 0.2);
    expect(report.passedRules).toBeLessThan(report.rules * 0.8);
    // Rules the compiler refuses are generated too, so the json-rules-engine fallback is checked.
    expect(report.fallbackRules).toBeGreaterThan(0);
    expect(report.fallbackRules).toBeLessThan(report.rules * 0.05);
    // SQL leaves a row to Node only for values breaking their catalog type or rules it cannot compile.
    expect(report.sqlUndecidedClassifications).toBeLessThan(CASES * 0.1);
  });
});
