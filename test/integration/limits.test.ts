import fc from 'fast-check';
import { getIntrospectionQuery } from 'graphql';
import { DISTRIBUTION_COST, EXPLANATION_BASE_COST, VALIDATION_COST, workSizes } from '../../src/limits/query-cost';
import { TOTAL_COUNT_COST } from '../../src/shared/pagination';
import { Role } from '../../src/shared/role';
import { GraphQLResponse, TestApp, startTestApp } from '../helpers/app';
import { docOperations } from '../helpers/doc-operations';

/** Codes that mean "refused by a limit" rather than answered. */
const LIMIT_CODES = ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'QUERY_TOO_COSTLY', 'RATE_LIMITED', 'BAD_REQUEST', 'BAD_USER_INPUT'];

async function post(app: TestApp, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(app.url, { method: 'POST', headers: { authorization: `Bearer ${app.adminKey}`, 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, body: await res.text() };
}

describe('GraphQL limits (RELIABILITY.md S1–S4, S6)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false } });
  });
  afterAll(() => app.close());

  describe('S3: floods stopped before any resolver runs', () => {
    /** SQL statements the request caused beyond the API key lookup: any would mean a resolver ran. */
    const resolverStatements = async (body: string) => {
      const before = app.queries.count;
      const res = await post(app, body);
      return { ...res, statements: app.queries.count - before };
    };

    it('refuses batched (JSON array) requests', async () => {
      const res = await resolverStatements(JSON.stringify([{ query: '{ customers { totalCount } }' }, { query: '{ tierPrograms { key } }' }]));
      expect(res.status).toBe(400);
      expect(res.statements).toBeLessThanOrEqual(1);
    });

    it('refuses 500 aliases', async () => {
      // Short aliases, so the token limit is not what stops them.
      const query = `{ tierPrograms { ${Array.from({ length: 500 }, (_, i) => `a${i}: key`).join(' ')} } }`;
      const res = await resolverStatements(JSON.stringify({ query }));
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(res.statements).toBeLessThanOrEqual(1);
    });

    it('refuses a 100,000-token document while parsing', async () => {
      const query = `{ tierPrograms { ${'key '.repeat(100_000)} } }`;
      const res = await resolverStatements(JSON.stringify({ query }));
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
      expect(res.statements).toBeLessThanOrEqual(1);
    });
  });

  describe('S4: depth, cost and page size', () => {
    it('rejects generated hostile queries, every one with a code and before any resolver', async () => {
      const hostile = fc.oneof(
        // Deep selections (the schema has no cycles, so depth beyond its own is always hostile).
        fc.integer({ min: 13, max: 30 }).map((depth) => `{ ${'customers { edges { node { '.repeat(1)}${'tiers { program { '.repeat(Math.ceil(depth / 2))}key${' }'.repeat(Math.ceil(depth / 2) * 2 + 3)} }`),
        // Huge pages.
        fc.integer({ min: 2_501, max: 1_000_000_000 }).map((first) => `{ customers(first: ${first}) { edges { node { id tiers { tier { key } } } } } }`),
        // Nested connections multiplying each other.
        fc.integer({ min: 60, max: 100 }).map((first) => `{ customers(first: ${first}) { edges { node { tierHistory(first: ${first}) { edges { node { cause } } } } } } }`),
        // More customers at once than a batch may ask for.
        fc.integer({ min: 501, max: 1_900 }).map((n) => `{ customerEntitlements(externalIds: [${Array.from({ length: n }, (_, i) => `"c${i}"`).join(',')}]) { entitlements { key } } }`),
      );
      // A key of its own: the batches it sends are priced and charged, and would drain the admin key.
      const key = await app.keyWithRoles(Role.VIEWER);
      await fc.assert(
        fc.asyncProperty(hostile, async (query) => {
          const before = app.queries.count;
          const res = await post(app, JSON.stringify({ query }), { authorization: `Bearer ${key}` });
          const { data, errors } = JSON.parse(res.body);
          expect([data ?? null, LIMIT_CODES.includes(errors?.[0]?.extensions?.code)]).toEqual([null, true]);
          expect(app.queries.count - before).toBeLessThanOrEqual(1);
        }),
        { numRuns: 60 },
      );
    });

    it('refuses pages outside 1..100 with a message naming first', async () => {
      for (const first of [0, -5, 101, 2_000]) {
        const res = await app.gql(`{ customers(first: ${first}) { edges { node { id } } } }`);
        expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
        expect(res.errors?.[0].message).toMatch(/first must be between 1 and 100/);
      }
    });

    it('accepts every query the README shows, and reports its cost', async () => {
      const operations = docOperations().filter((o) => o.at.startsWith('README.md'));
      expect(operations.length).toBeGreaterThan(10);
      for (const { query, variables } of operations) {
        const res = await app.gql(query, variables);
        const refused = (res.errors ?? []).filter((e) => LIMIT_CODES.includes(e.extensions?.code ?? ''));
        expect({ query, refused }).toEqual({ query, refused: [] });
        expect(res.extensions?.cost).toEqual({
          requestedQueryCost: expect.any(Number),
          maximumQueryCost: 5_000,
          throttleStatus: { maximumAvailable: 20_000, currentlyAvailable: expect.any(Number), restoreRate: 1_000 },
        });
      }
    });

    it('prices pages by their size, and explanations, programs, versions and counts by the work they do', async () => {
      const cost = async (query: string) => (await app.gql(query)).extensions?.cost.requestedQueryCost;
      const sizes = workSizes(await app.strata.services.programs.sizes(app.db.dataSource.manager));
      expect(sizes.programs).toBeGreaterThan(1);
      expect(await cost('{ customers(first: 10) { edges { node { id } } } }')).toBe(1 + 10 * 2);
      expect(await cost('{ customers(first: 100) { edges { node { id } } } }')).toBe(1 + 100 * 2);
      expect(await cost('{ customers(first: 10) { totalCount } }')).toBe(1 + 10 * 0 + TOTAL_COUNT_COST);
      expect(await cost("{ customers(first: 10) { totalCount edges { node { id } } } }")).toBe(1 + 10 * 2 + TOTAL_COUNT_COST);
      // Every customer's tiers: one assignment per program, and one explanation in each program, priced by its size.
      const oneEach = 1 + sizes.programs * 1 + sizes.allExplanations;
      expect(await cost('{ customers(first: 10) { edges { node { tiers { explanation { matchedTierKey } } } } } }')).toBe(1 + 10 * (1 + 1 + oneEach));
      expect(await cost('{ customers(first: 10) { edges { node { tiers { ... on TierAssignment { explanation { matchedTierKey } } } } } } }')).toBe(
        1 + 10 * (1 + 1 + oneEach),
      );
      const [key, points] = [...sizes.explanationPoints].sort((a, b) => b[1] - a[1])[0];
      expect(points).toBeGreaterThan(EXPLANATION_BASE_COST);
      expect(await cost(`{ customers(first: 10) { edges { node { tier(programKey: "${key}") { explanation { matchedTierKey } } } } } }`)).toBe(1 + 10 * (1 + 1 + 1 + points));
      // Named fragments are not followed: the heaviest program's price in every program.
      expect(await cost('query { customers(first: 10) { edges { node { tiers { ...e } } } } } fragment e on TierAssignment { explanation { matchedTierKey } }')).toBe(
        1 + 10 * (1 + 1 + 1 + sizes.programs * sizes.heaviestExplanation),
      );
      // Each id is looked up and classified, whatever the selection.
      expect(await cost('{ customerEntitlements(externalIds: ["a", "b", "c"]) { externalId } }')).toBe(1 + 3 * 1);
      expect(await cost('{ customerEntitlements(externalIds: ["a", "b", "c"]) { entitlements { key } } }')).toBe(1 + 3 * 1);
      expect(await cost('{ tierPrograms { key } }')).toBe(1 + sizes.programs * 1);
      expect(await cost('{ tierPrograms { versions { version } } }')).toBe(1 + sizes.programs * (1 + sizes.versions * 1));
      expect(await cost('{ tierPrograms { distribution { count } } }')).toBe(1 + sizes.programs * DISTRIBUTION_COST);
    });

    it("prices a draft's validation by the size of the largest open draft", async () => {
      // Not retail-bank: the README's operations (run above) leave a draft of it open.
      const opened = await app.gql(`mutation { ruleDraftCreate(programKey: "corporate-banking") { draft { id revision } } }`);
      const { id, revision } = opened.data.ruleDraftCreate.draft;
      try {
        const [{ bytes }] = await app.db.dataSource.query(`SELECT max(octet_length(document::text)) AS bytes FROM rule_draft WHERE status IN ('EDITING', 'SUBMITTED', 'APPROVED')`);
        // The programs' sizes price requests a second after they are read.
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        const res = await app.gql(`query($id: ID!) { ruleDraft(id: $id) { validation { publishable } } }`, { id });
        expect(res.data.ruleDraft.validation.publishable).toBe(true);
        expect(res.extensions?.cost.requestedQueryCost).toBe(1 + VALIDATION_COST + Math.ceil(bytes / 256));
        expect(bytes).toBeGreaterThan(1_000);
      } finally {
        await app.gql(`mutation($id: ID!, $revision: Int!) { ruleDraftDiscard(id: $id, revision: $revision) { userErrors { code } } }`, { id, revision });
      }
    });
  });

  describe('S6: a token bucket per API key, by query cost', () => {
    it('throttles a key spending twice its budget, with retryAfter, and never a key spending half of it', async () => {
      // RELIABILITY.md's 60 s run, scaled to 4 s: each key may spend 100 points a second.
      const limited = await startTestApp({ ruleFiles: false, retier: { start: false }, costLimits: { maxCost: 100, bucketSize: 100, restorePerSecond: 100 } });
      try {
        const greedy = await limited.keyWithRoles(Role.VIEWER);
        const modest = await limited.keyWithRoles(Role.VIEWER);
        const QUERY = '{ customers(first: 49) { edges { node { id } } } }'; // 1 + 49 × 2 = 99 points
        const seen = { greedy: [] as GraphQLResponse[], modest: [] as GraphQLResponse[] };
        const started = Date.now();
        for (let tick = 0; tick < 16; tick += 1) {
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + tick * 250 - Date.now())));
          if (tick % 2 === 0) seen.greedy.push(await limited.gql(QUERY, undefined, greedy)); // 2 a second: 198 points/s
          if (tick % 8 === 0) seen.modest.push(await limited.gql(QUERY, undefined, modest)); // one per 2 s: 50 points/s
        }
        const throttled = seen.greedy.filter((r) => r.status === 429);
        expect(throttled.length).toBeGreaterThanOrEqual(2);
        for (const res of throttled) {
          expect(res.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
          expect(res.extensions?.cost.retryAfter).toBeGreaterThanOrEqual(1);
          expect(res.headers.get('retry-after')).toBe(String(res.extensions?.cost.retryAfter));
        }
        expect(seen.greedy.length - throttled.length).toBeGreaterThanOrEqual(4);
        expect(seen.modest.map((r) => [r.status, r.errors])).toEqual([
          [200, undefined],
          [200, undefined],
        ]);
      } finally {
        await limited.close();
      }
    });

    it('refuses one request costing more than any request may', async () => {
      const res = await app.gql('{ customers(first: 100) { edges { node { tierHistory(first: 100) { edges { node { cause } } } } } } }');
      expect(res.status).toBe(400);
      expect(res.errors?.[0].extensions?.code).toBe('QUERY_TOO_COSTLY');
      expect(res.errors?.[0].message).toMatch(/costs \d+ points; one request may cost at most 5000/);
      expect(res.extensions?.cost.requestedQueryCost).toBeGreaterThan(5_000);
    });
  });
});

describe('GraphQL surface in production (RELIABILITY.md S1, S2)', () => {
  let production: TestApp;
  let development: TestApp;
  beforeAll(async () => {
    production = await startTestApp({ production: true, retier: { start: false } });
    development = await startTestApp({ ruleFiles: false, retier: { start: false } });
  });
  afterAll(async () => {
    await production.close();
    await development.close();
  });

  it('S1: answers no introspection', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Customer") { fields { name } } }']) {
      const res = await production.gql(query);
      expect(res.data).toBeUndefined();
      expect(res.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
  });

  it('S1: gives no "Did you mean" hints for 50 misspelled fields (development does)', async () => {
    const fields = ['customers', 'tierPrograms', 'customerEntitlements', 'factDefinitions', 'entitlementDefinitions'];
    const misspelled = Array.from({ length: 50 }, (_, i) => {
      const field = fields[i % fields.length];
      const at = 1 + (i % (field.length - 2));
      return field.slice(0, at) + field[at + 1] + field[at] + field.slice(at + 2);
    });
    let hintsInDevelopment = 0;
    for (const field of misspelled) {
      const res = await production.gql(`{ ${field} { __typename } }`);
      expect(res.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(JSON.stringify(res)).not.toMatch(/Did you mean/);
      const dev = await development.gql(`{ ${field} { __typename } }`);
      if (/Did you mean/.test(JSON.stringify(dev.errors))) hintsInDevelopment += 1;
    }
    expect(hintsInDevelopment).toBeGreaterThan(25);
  });

  it("lets the explorer's full introspection query through in development", async () => {
    const query = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true });
    const res = await development.gql(query);
    expect(res.errors).toBeUndefined();
    expect(res.data.__schema.types.length).toBeGreaterThan(50);
  });

  it('S2: blocks GET and text/plain requests a browser could send cross-site; JSON POST works', async () => {
    const get = await fetch(`${production.url}?query=${encodeURIComponent('{ tierPrograms { key } }')}`, { headers: { authorization: `Bearer ${production.adminKey}` } });
    expect(get.status).toBe(400);
    const plain = await post(production, JSON.stringify({ query: '{ tierPrograms { key } }' }), { 'content-type': 'text/plain' });
    expect(plain.status).toBe(400);
    const json = await post(production, JSON.stringify({ query: '{ tierPrograms { key } }' }));
    expect(json.status).toBe(200);
    expect(JSON.parse(json.body).data.tierPrograms.length).toBe(3);
  });
});
