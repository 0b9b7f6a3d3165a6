import { ProgramEvaluator } from '../../src/engine';
import { classifyCustomers } from '../../src/evaluation/shown-tier-reads';
import { TestApp, startTestApp } from '../helpers/app';

describe('classifying every customer in SQL', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('hands rows SQL cannot decide to the compiled closures instead of guessing', async () => {
    // Written past the API's validation, as a legacy import might: hex strings are numbers to JavaScript.
    await app.db.dataSource.query(
      `INSERT INTO customer (external_id, name, facts) VALUES
         ('hex', 'Hex', '{"customerType": "individual", "balance": "0x7A120"}'),
         ('plain', 'Plain', '{"customerType": "individual", "balance": 600000}'),
         ('text', 'Text', '{"customerType": "individual", "balance": "rich"}')`,
    );
    const ctx = app.systemContext();
    const retail = (await ctx.loaders.programs()).find((p) => p.program.key === 'retail-bank')!;
    const groups = await classifyCustomers(ctx, [retail.evaluator]);
    const count = (key: string) => groups.find((g) => g.keys[0] === key)?.count ?? 0;
    // 0x7A120 = 500,000 for JavaScript's `>=`, so json-rules-engine puts it in A, as does "plain".
    expect(count('A')).toBe(2);
    expect(count('D')).toBe(1);
    expect((await retail.evaluator.evaluate({ customerType: 'individual', balance: '0x7A120' })).matchedTierKey).toBe('A');
  });

  it('leaves rows reaching a rule it cannot compile to json-rules-engine, and counts them exactly', async () => {
    await app.db.dataSource.query(
      `INSERT INTO customer (external_id, name, facts) VALUES
         ('same', 'Same', '{"customerType": "individual", "balance": 70, "monthlySpend": 70}'),
         ('differ', 'Differ', '{"customerType": "individual", "balance": 70, "monthlySpend": 80}')`,
    );
    const evaluator = new ProgramEvaluator({
      key: 'spend-matches-balance',
      version: 1,
      appliesTo: { all: [{ fact: 'customerType', operator: 'equal', value: 'individual' }] },
      tiers: [
        { key: 'MATCH', rank: 2, conditions: { all: [{ fact: 'monthlySpend', operator: 'equal', value: { fact: 'balance' } } as never] } },
        { key: 'REST', rank: 1, conditions: { all: [] } },
      ],
    });
    expect(evaluator.fallbacks).toHaveLength(1);
    const groups = await classifyCustomers(app.systemContext(), [evaluator]);
    const count = (key: string) => groups.find((g) => g.keys[0] === key)?.count ?? 0;
    const individuals = (await app.db.dataSource.query(`SELECT count(*)::int AS n FROM customer WHERE facts->>'customerType' = 'individual'`))[0].n;
    expect(count('MATCH')).toBe(1);
    expect(count('REST')).toBe(individuals - 1);
  });
});
