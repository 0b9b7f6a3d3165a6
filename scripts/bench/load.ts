import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { newSecret } from '../../src/auth/auth.service';
import { DemoCustomer, demoCustomer } from '../../src/demo/demo-customers';
import { freePort, ready, startUnthrottled } from './api';
import { BenchDatabase, BenchOptions, seconds, timed } from './support';

/** Customers per customersUpsert call: the most one call takes. */
const BATCH = 500;
/** Calls in flight at once, for both ways through the API: what a loader with a small pool sends. */
const IN_FLIGHT = 4;
/** How many customers the one-per-call load writes: enough for a steady rate, not a million calls. */
const SINGLE_SAMPLE = 20_000;

const UPSERT_MANY = `mutation($inputs: [CustomerUpsertInput!]!) { customersUpsert(inputs: $inputs) { results { userErrors { code field message } } userErrors { code message } } }`;
const UPSERT_ONE = `mutation($input: CustomerUpsertInput!) { customerUpsert(input: $input) { userErrors { code field message } } }`;

const input = ({ externalId, name, segment, facts }: DemoCustomer) => ({ externalId, name, segment, facts });

/**
 * An integrator loads `customers` demo customers (DOMAIN.md's distribution) into an empty
 * Strata, with only its own ids: through customersUpsert (500 per call), through single
 * customerUpsert calls, and as a raw COPY of the same rows into the customer table (no tier
 * evaluation, no history: the floor). Both API loads include evaluation in every program and
 * history rows. Each load starts from empty tables.
 */
export async function benchLoad(options: BenchOptions, db: BenchDatabase, customers: number): Promise<void> {
  const adminKey = newSecret();
  const port = await freePort();
  const strata = startUnthrottled(db.url, port, adminKey);
  const empty = () => db.dataSource.query('TRUNCATE customer, tier_assignment, tier_change, idempotent_request CASCADE');
  try {
    await ready(`http://127.0.0.1:${port}/readyz`, strata);
    const url = `http://127.0.0.1:${port}/graphql`;
    const call = async (query: string, variables: Record<string, unknown>) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` }, body: JSON.stringify({ query, variables }) });
      const text = await res.text();
      if (res.status !== 200 || text.includes('"errors":[') || /"userErrors":\[\{/.test(text)) throw new Error(`load call failed (${res.status}): ${text.slice(0, 500)}`);
    };
    /** Sends `calls` requests, IN_FLIGHT at a time; customers per second. */
    const load = async (count: number, perCall: number, send: (first: number, last: number) => Promise<void>) => {
      let nextFirst = 0;
      let lastLog = Date.now();
      const worker = async () => {
        while (nextFirst < count) {
          const first = nextFirst;
          nextFirst = Math.min(count, first + perCall);
          await send(first, nextFirst);
          if (Date.now() - lastLog > 15_000) {
            lastLog = Date.now();
            options.log(`  loaded ${nextFirst.toLocaleString('en')}/${count.toLocaleString('en')}`);
          }
        }
      };
      const { ms } = await timed(() => Promise.all(Array.from({ length: IN_FLIGHT }, worker)));
      return { customers: count, seconds: seconds(ms), perSecond: Math.round((count * 1000) / ms) };
    };
    const range = (first: number, last: number) => Array.from({ length: last - first }, (_, k) => input(demoCustomer(first + k)));

    await empty();
    const single = await load(Math.min(SINGLE_SAMPLE, customers), 1, (first) => call(UPSERT_ONE, { input: input(demoCustomer(first)) }));
    await empty();
    const batched = await load(customers, BATCH, (first, last) => call(UPSERT_MANY, { inputs: range(first, last) }));
    const stored = await db.dataSource.query(`SELECT (SELECT count(*)::int FROM customer) AS customers, (SELECT count(*)::int FROM tier_change) AS "historyRows"`);
    await empty();
    const copied = await copyLoad(db.url, customers);
    await empty();
    options.report({
      suite: 'load',
      figure: `load ${customers.toLocaleString('en')} customers with their own ids`,
      inFlight: IN_FLIGHT,
      customersUpsert: { perCall: BATCH, ...batched, ...stored[0] },
      customerUpsert: single,
      copy: copied,
      batchOverSingle: Number((batched.perSecond / single.perSecond).toFixed(1)),
      copyOverBatch: Number((copied.perSecond / batched.perSecond).toFixed(1)),
    });
  } finally {
    strata.kill('SIGTERM');
  }
}

/** The same rows streamed into the customer table with COPY, in one transaction. */
async function copyLoad(databaseUrl: string, customers: number) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const escape = (text: string) => text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
    function* rows() {
      for (let i = 0; i < customers; i += 1) {
        const c = demoCustomer(i);
        yield `${escape(c.externalId)}\t${escape(c.name)}\t${c.segment === null ? '\\N' : escape(c.segment)}\t${escape(JSON.stringify(c.facts))}\n`;
      }
    }
    const { ms } = await timed(() => pipeline(Readable.from(rows()), client.query(copyFrom('COPY customer (external_id, name, segment, facts) FROM STDIN'))));
    return { customers, seconds: seconds(ms), perSecond: Math.round((customers * 1000) / ms) };
  } finally {
    await client.end();
  }
}
