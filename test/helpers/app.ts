import { AddressInfo } from 'node:net';
import path from 'node:path';
import { Server } from 'node:http';
import { newSecret } from '../../src/auth/auth.service';
import { Role } from '../../src/shared/role';
import { Context, systemContext } from '../../src/context';
import { QueryCounter } from '../../src/database/query-counter';
import { loadRuleFiles } from '../../src/authoring/rule-files';
import { ServerOptions, Strata, createServer } from '../../src/server';
import { TestDatabase, createTestDatabase, migratedDatabase } from './database';

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string }; path?: string[] }[];
  extensions?: Record<string, any>;
  headers: Headers;
}

export interface TestApp {
  url: string;
  server: Server;
  adminKey: string;
  strata: Strata;
  db: TestDatabase;
  queries: QueryCounter;
  /** A context as start-up and scripts use it (for setting up data without HTTP). */
  systemContext(): Context;
  gql<T = any>(query: string, variables?: Record<string, unknown>, key?: string | null): Promise<GraphQLResponse<T>>;
  keyWithRoles(...roles: Role[]): Promise<string>;
  close(): Promise<void>;
}

/** The real server on a fresh database over loopback HTTP, with rules/ loaded by default. */
export async function startTestApp(
  options: {
    ruleFiles?: boolean;
    retier?: ServerOptions['retier'];
    production?: boolean;
    costLimits?: ServerOptions['costLimits'];
    maxResponseBytes?: number;
    /** A server of the test's own (e.g. one it restarts) instead of a database cloned on the shared one. */
    databaseUrl?: string;
    clock?: ServerOptions['clock'];
    /** Not started unless asked: tests run what is due with strata.scheduler.tick(). */
    scheduler?: ServerOptions['scheduler'];
    /** Not started unless asked (tests run strata.webhooks.drain()); private addresses allowed unless told otherwise. */
    webhooks?: ServerOptions['webhooks'];
  } = {},
): Promise<TestApp> {
  const queries = new QueryCounter();
  const db = options.databaseUrl ? await migratedDatabase(options.databaseUrl, queries) : await createTestDatabase(queries);
  const strata = await createServer(db.dataSource, {
    production: options.production ?? false,
    costLimits: options.costLimits,
    maxResponseBytes: options.maxResponseBytes,
    retier: options.retier ?? { pollMs: 200 },
    clock: options.clock,
    scheduler: options.scheduler ?? { start: false },
    webhooks: { start: false, allowPrivate: true, ...options.webhooks },
  });
  const adminKey = newSecret();
  await strata.services.auth.ensureAdminKey(systemContext(strata.deps, 'test'), adminKey);
  if (options.ruleFiles !== false) {
    await loadRuleFiles(systemContext(strata.deps, 'test'), strata.services, path.resolve('rules'));
    await strata.runner.drain();
  }
  const server: Server = await new Promise((resolve) => {
    const s = strata.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  strata.attach(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

  const gql = async <T = any>(query: string, variables?: Record<string, unknown>, key: string | null = adminKey): Promise<GraphQLResponse<T>> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key !== null) headers.authorization = `Bearer ${key}`;
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    return { status: res.status, headers: res.headers, ...((await res.json()) as Omit<GraphQLResponse<T>, 'status' | 'headers'>) };
  };

  return {
    url,
    server,
    adminKey,
    strata,
    db,
    queries,
    systemContext: () => systemContext(strata.deps, 'test'),
    gql,
    async keyWithRoles(...roles) {
      const res = await gql(`mutation($input: ApiKeyCreateInput!) { apiKeyCreate(input: $input) { secret userErrors { message } } }`, {
        input: { name: `test ${roles.join('+')}`, roles },
      });
      return res.data.apiKeyCreate.secret;
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await strata.stop();
      await db.drop();
    },
  };
}

/** Writes a retail customer with this balance through customerUpsert (as `key`) and returns its id. */
export async function upsertRetailCustomer(app: TestApp, externalId: string, balance: number, key?: string): Promise<string> {
  const res = await app.gql(
    `mutation($input: CustomerUpsertInput!) { customerUpsert(input: $input) { customer { id } userErrors { message } } }`,
    { input: { externalId, name: externalId, facts: { customerType: 'individual', balance } } },
    key,
  );
  if (res.errors || res.data.customerUpsert.userErrors.length) throw new Error(`customerUpsert ${externalId}: ${JSON.stringify(res.errors ?? res.data.customerUpsert.userErrors)}`);
  return res.data.customerUpsert.customer.id;
}

/** One row of a customer's tier history as tests compare it. */
export interface HistoryRow {
  from: string | null;
  to: string | null;
  cause: string;
  at: string;
  /** The balance in force at the row's instant (TierChange.facts, from the facts history). */
  balance: number | null;
}

/** The customer's tier history through the API, oldest first. */
export async function tierHistory(app: TestApp, customerId: string, programKey?: string): Promise<HistoryRow[]> {
  const res = await app.gql(
    `query($id: ID!, $p: String) { customer(id: $id) { tierHistory(programKey: $p, first: 100) { edges { node { fromTierKey toTierKey cause at facts } } } } }`,
    { id: customerId, p: programKey ?? null },
  );
  if (res.errors) throw new Error(`tierHistory: ${JSON.stringify(res.errors)}`);
  return res.data.customer.tierHistory.edges
    .map(({ node }: { node: { fromTierKey: string | null; toTierKey: string | null; cause: string; at: string; facts: { balance?: number } | null } }) => ({
      from: node.fromTierKey,
      to: node.toTierKey,
      cause: node.cause,
      at: node.at,
      balance: node.facts?.balance ?? null,
    }))
    .reverse();
}
