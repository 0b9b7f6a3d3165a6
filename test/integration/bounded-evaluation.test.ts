import { TestApp, startTestApp } from '../helpers/app';
import { createPublishedProgram, retierFromScratch } from '../helpers/programs';
import { sameJsonTree } from '../helpers/fidelity';
import { MAX_TIERS, customerFacts, largestProgram } from '../helpers/largest-program';

const CUSTOMERS = 10_000;
/** json-rules-engine takes about 80 ms per customer on this program; a sample is enough to compare. */
const REFERENCE_SAMPLE = 50;

/**
 * RELIABILITY.md R3: the largest program the validator accepts (50 tiers × 200 conditions,
 * 8 levels, appliesTo likewise) over 10,000 customers, by every path that decides tiers —
 * compiled closures (reads, writes and explanations), SQL (bulk re-tier) and
 * json-rules-engine (the reference) — finishes and agrees. Per-customer times: `npm run reliability -- r3`.
 */
describe('evaluation of the largest allowed program', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false } });
    await app.db.dataSource.query(
      `INSERT INTO customer (external_id, name, facts) SELECT 'r3-' || i, 'R3 ' || i, f FROM unnest($1::jsonb[]) WITH ORDINALITY AS t(f, i)`,
      [Array.from({ length: CUSTOMERS }, (_, i) => JSON.stringify(customerFacts(i)))],
    );
  });
  afterAll(() => app.close());

  it(`is accepted, compiled without fallbacks, and decided alike by closures, SQL and json-rules-engine for ${CUSTOMERS.toLocaleString('en')} customers`, async () => {
    const created = await createPublishedProgram(app, largestProgram('largest'));
    expect(created.data.tierProgramCreate.userErrors).toEqual([]);
    const program = await app.gql(`{ tierProgram(key: "largest") { tiers { key } } }`);
    expect(program.data.tierProgram.tiers).toHaveLength(MAX_TIERS);

    const ctx = app.systemContext();
    const published = (await app.strata.services.programs.published(ctx, 'largest'))!;
    expect(published.evaluator.fallbacks).toEqual([]);

    // SQL: the publish's job stored every customer's tier with the compiled SQL; do it again from scratch.
    await retierFromScratch(app, published);
    const stored = new Map<string, string | null>(
      (
        await app.db.dataSource.query(
          `SELECT c.external_id, a.tier_key, a.customer_id IS NOT NULL AS applies FROM customer c
             LEFT JOIN tier_assignment a ON a.customer_id = c.id AND a.program_id = $1 WHERE c.external_id LIKE 'r3-%'`,
          [published.program.id],
        )
      ).map((r: { external_id: string; tier_key: string | null; applies: boolean }) => [r.external_id, r.applies ? r.tier_key : 'outside']),
    );

    const disagreements: unknown[] = [];
    const tiers = new Set<string | null>();
    for (let i = 0; i < CUSTOMERS; i += 1) {
      const facts = customerFacts(i);
      const compiled = await published.evaluator.classify(facts);
      const closure = compiled.applies ? compiled.tierKey : 'outside';
      tiers.add(closure);
      const sql = stored.get(`r3-${i + 1}`);
      let reference: string | null | undefined = closure;
      if (i % Math.floor(CUSTOMERS / REFERENCE_SAMPLE) === 0) {
        const evaluation = await published.evaluator.evaluateWithEngine(facts);
        reference = evaluation.applies ? evaluation.matchedTierKey : 'outside';
        // The explanation a read answers, from closures, is json-rules-engine's own tree.
        if (!sameJsonTree(await published.evaluator.evaluate(facts), evaluation)) disagreements.push({ i, explanation: 'differs' });
      }
      if (closure !== sql || closure !== reference) disagreements.push({ i, closure, sql, reference });
    }
    expect(disagreements).toEqual([]);
    // The customers spread over several outcomes, so agreement is not agreement on one answer.
    expect(tiers.size).toBeGreaterThan(20);
  });
});
