import fs from 'node:fs';
import path from 'node:path';
import { TestApp, startTestApp } from '../helpers/app';

interface GoldenCase {
  name: string;
  facts: Record<string, unknown>;
  tiers: Record<string, string>;
  entitlements: Record<string, unknown>;
}

const GOLDEN: { cases: GoldenCase[] } = JSON.parse(fs.readFileSync(path.resolve('test/golden/tiers.json'), 'utf8'));
const PROGRAMS = ['retail-bank', 'corporate-banking', 'telecom-group'];
const RUNS = 3;

/**
 * RELIABILITY.md R4: the hand-derived golden file, three runs, through every path that
 * decides a tier — the what-if at query time (compiled closures, and json-rules-engine's
 * explanation), the tiers a write stores (update time), and the customer read back with
 * its entitlements.
 */
describe('golden tiers and entitlements', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false }, costLimits: { maxCost: 5_000, bucketSize: 1e9, restorePerSecond: 1e9 } });
  });
  afterAll(() => app.close());

  it(`gives every golden case its tiers and entitlements by every path, ${RUNS} runs`, async () => {
    const mismatches: unknown[] = [];
    const check = (run: number, golden: GoldenCase, path: string, actual: unknown, expected: unknown) => {
      if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push({ run, case: golden.name, path, actual, expected });
    };
    const sorted = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
    let checks = 0;
    for (let run = 1; run <= RUNS; run += 1) {
      for (const [i, golden] of GOLDEN.cases.entries()) {
        const expectedTiers = sorted(golden.tiers);
        const expectedEntitlements = sorted(golden.entitlements);

        // Query time: the what-if, compiled and explained.
        const whatIf: Record<string, string> = {};
        const explained: Record<string, string> = {};
        for (const programKey of PROGRAMS) {
          const res = await app.gql(`query($p: String!, $facts: JSONObject!) { evaluate(programKey: $p, facts: $facts) { tier { key } explanation { matchedTierKey } } }`, {
            p: programKey,
            facts: golden.facts,
          });
          if (res.data.evaluate.tier) whatIf[programKey] = res.data.evaluate.tier.key;
          if (res.data.evaluate.explanation.matchedTierKey) explained[programKey] = res.data.evaluate.explanation.matchedTierKey;
        }
        check(run, golden, 'evaluate', sorted(whatIf), expectedTiers);
        check(run, golden, 'explanation', sorted(explained), expectedTiers);

        // Update time: what the write stored.
        const externalId = `golden-${run}-${i}`;
        const written = await app.gql(`mutation($input: CustomerUpsertInput!) { customerUpsert(input: $input) { customer { id } userErrors { message } } }`, {
          input: { externalId, name: golden.name, facts: golden.facts },
        });
        const id = written.data.customerUpsert.customer.id;
        const stored: { key: string; tier_key: string }[] = await app.db.dataSource.query(
          `SELECT p.key, a.tier_key FROM tier_assignment a JOIN tier_program p ON p.id = a.program_id WHERE a.customer_id = $1`,
          [id],
        );
        check(run, golden, 'stored', sorted(Object.fromEntries(stored.map((s) => [s.key, s.tier_key]))), expectedTiers);

        // Read back: the customer's tiers and entitlements.
        const read = await app.gql(`query($id: ID!) { customer(id: $id) { tiers { program { key } tier { key } } entitlements { key value source } } }`, { id });
        const { tiers, entitlements } = read.data.customer;
        check(run, golden, 'customer.tiers', sorted(Object.fromEntries(tiers.map((t: { program: { key: string }; tier: { key: string } }) => [t.program.key, t.tier.key]))), expectedTiers);
        check(run, golden, 'customer.entitlements', sorted(Object.fromEntries(entitlements.map((e: { key: string; value: unknown }) => [e.key, e.value]))), expectedEntitlements);
        checks += 5;
      }
    }
    expect(mismatches).toEqual([]);
    expect(checks).toBe(RUNS * GOLDEN.cases.length * 5);
  });
});
