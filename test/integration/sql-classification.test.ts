import { classifyCustomers } from '../../src/evaluation/sql-classification';
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
    const groups = await classifyCustomers(ctx, [retail.evaluator.definition]);
    const count = (key: string) => groups.find((g) => g.keys[0] === key)?.count ?? 0;
    // 0x7A120 = 500,000 for JavaScript's `>=`, so json-rules-engine puts it in A, as does "plain".
    expect(count('A')).toBe(2);
    expect(count('D')).toBe(1);
    expect((await retail.evaluator.evaluate({ customerType: 'individual', balance: '0x7A120' })).matchedTierKey).toBe('A');
  });
});
