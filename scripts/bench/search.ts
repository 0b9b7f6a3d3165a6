import { newSecret } from '../../src/auth/auth.service';
import { random } from '../../src/demo/demo-customers';
import { freePort, ready, startUnthrottled } from './api';
import { BenchDatabase, BenchOptions, timed } from './support';

const SEARCHES = 400;
const PAGE = `query($query: String) { customers(query: $query, first: 20) { edges { node { id externalId name } } pageInfo { hasNextPage endCursor } } }`;

/**
 * A person searching the customer list at `db.customers` customers, one request after
 * another on loopback: name prefixes as typed (a surname, a surname and the start of a
 * given name, a full name) and externalId prefixes, each answering the first page of 20.
 * Baseline in the same run: the first page of the unfiltered list.
 */
export async function benchSearch(options: BenchOptions, db: BenchDatabase): Promise<void> {
  const names: string[] = (await db.dataSource.query(`SELECT name FROM customer TABLESAMPLE SYSTEM (1) LIMIT 2000`)).map((r: { name: string }) => r.name);
  const externalIds: string[] = (await db.dataSource.query(`SELECT external_id FROM customer TABLESAMPLE SYSTEM (1) LIMIT 2000`)).map((r: { external_id: string }) => r.external_id);
  const next = random(11);
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)];
  const queries: Record<string, () => string> = {
    'surname (e.g. "Wang")': () => pick(names).split(' ')[0],
    'surname and the start of a given name (e.g. "Wang W")': () => pick(names).slice(0, pick(names).indexOf(' ') + 2),
    'full name': () => pick(names),
    'externalId prefix (e.g. "demo-00123", 10 customers)': () => pick(externalIds).slice(0, -1),
  };
  const adminKey = newSecret();
  const port = await freePort();
  const strata = startUnthrottled(db.url, port, adminKey);
  try {
    await ready(`http://127.0.0.1:${port}/readyz`, strata);
    const ask = async (query: string | null) => {
      const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
        body: JSON.stringify({ query: PAGE, variables: { query } }),
      });
      const body = (await res.json()) as { errors?: unknown; data?: { customers: { edges: unknown[] } } };
      if (body.errors) throw new Error(`search failed: ${JSON.stringify(body.errors)}`);
      return body.data!.customers.edges.length;
    };
    const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];
    for (let run = 0; run < options.runs; run += 1) {
      const measure = async (make: () => string | null) => {
        const ms: number[] = [];
        let found = 0;
        for (let i = 0; i < SEARCHES; i += 1) {
          const query = make();
          const t = await timed(() => ask(query));
          ms.push(t.ms);
          found += t.result;
        }
        return { p50: Number(percentile(ms, 50).toFixed(1)), p99: Number(percentile(ms, 99).toFixed(1)), max: Number(Math.max(...ms).toFixed(1)), averageFound: Math.round(found / SEARCHES) };
      };
      const baseline = await measure(() => null);
      for (const [name, make] of Object.entries(queries)) {
        options.report({ suite: 'search', figure: `customers(query:) by ${name}`, customers: db.customers, run, searches: SEARCHES, ...(await measure(make)), baseline: { figure: 'customers(first: 20), no query', ...baseline } });
      }
    }
  } finally {
    strata.kill('SIGTERM');
  }
}
