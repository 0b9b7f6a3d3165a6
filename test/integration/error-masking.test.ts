import { Client } from 'pg';
import { loggableError, logger } from '../../src/shared/logger';
import { currentRequestId } from '../../src/shared/request-id';
import { GraphQLResponse, TestApp, startTestApp } from '../helpers/app';

/** What must never reach a client: SQL, table and constraint names, stack frames. */
const LEAKS = /SELECT|INSERT|UPDATE |DELETE |relation|constraint|violates|customer_|fact_definition|tier_program|pg_|at .*\.(js|ts)|node_modules|Error:/;

describe('errors are masked (RELIABILITY.md S5)', () => {
  let app: TestApp;
  /** Stacks logged per request id. */
  const logged = new Map<string, string[]>();
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false } });
    jest.spyOn(logger, 'error').mockImplementation(((entry: { err?: Error }) => {
      const id = currentRequestId() ?? '(none)';
      logged.set(id, [...(logged.get(id) ?? []), entry?.err?.stack ?? '']);
    }) as never);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await app.close();
  });

  const responses: { fault: string; res: GraphQLResponse }[] = [];
  const record = (fault: string, res: GraphQLResponse) => responses.push({ fault, res });

  it('faults in resolvers', async () => {
    const failing = jest.spyOn(app.strata.services.facts, 'list').mockRejectedValue(new Error('relation "fact_definition" does not exist: SELECT * FROM fact_definition'));
    try {
      for (let i = 0; i < 50; i += 1) record('resolver fault', await app.gql('{ factDefinitions { key } }'));
    } finally {
      failing.mockRestore();
    }
  });

  it('a table gone from under a query', async () => {
    await app.db.dataSource.query('ALTER TABLE tier_program RENAME TO tier_program_gone');
    try {
      for (let i = 0; i < 50; i += 1) record('missing table', await app.gql(i % 2 ? '{ tierPrograms { key } }' : '{ tierProgram(key: "retail-bank") { name } }'));
    } finally {
      await app.db.dataSource.query('ALTER TABLE tier_program_gone RENAME TO tier_program');
    }
  });

  it('constraint violations raised by the database', async () => {
    // Half raise unique_violation, which Strata answers as a CONFLICT to retry; half a
    // check_violation it has no mapping for, which must come out as an internal error.
    await app.db.dataSource.query(`
      CREATE FUNCTION reject_customer() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.external_id LIKE '%-even' THEN
          RAISE unique_violation USING MESSAGE = 'duplicate key value violates unique constraint "customer_external_id_key"', TABLE = 'customer';
        END IF;
        RAISE check_violation USING MESSAGE = 'new row for relation "customer" violates check constraint "customer_name_check"', TABLE = 'customer';
      END $$;
      CREATE TRIGGER reject_customer BEFORE INSERT ON customer FOR EACH ROW EXECUTE FUNCTION reject_customer();`);
    try {
      for (let i = 0; i < 50; i += 1) {
        record(
          'constraint violation',
          await app.gql(`mutation($input: CustomerUpsertInput!) { customerUpsert(input: $input) { customer { id } userErrors { code field message } } }`, {
            input: { externalId: `masked-${i}-${i % 2 ? 'odd' : 'even'}`, name: 'Masked', facts: { customerType: 'individual', balance: 100 } },
          }),
        );
      }
    } finally {
      await app.db.dataSource.query('DROP TRIGGER reject_customer ON customer; DROP FUNCTION reject_customer()');
    }
    expect(await app.db.dataSource.query(`SELECT count(*)::int AS n FROM customer WHERE external_id LIKE 'masked-%'`)).toEqual([{ n: 0 }]);
  });

  it('the database killing the connections mid-query', async () => {
    const database = app.db.dataSource.driver.database;
    const inFlight = Array.from({ length: 50 }, (_, i) =>
      new Promise((resolve) => setTimeout(resolve, i * 4)).then(() => app.gql('{ customers(first: 100) { totalCount edges { node { id tiers { tier { key } } } } } }')),
    );
    const admin = new Client({ connectionString: process.env.STRATA_TEST_ADMIN_URL });
    await admin.connect();
    const killer = (async () => {
      for (let round = 0; round < 5; round += 1) {
        await new Promise((resolve) => setTimeout(resolve, 40));
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
      }
    })();
    const results = await Promise.all(inFlight);
    await killer;
    await admin.end();
    for (const res of results) record('connections killed', res);
    // The pool recovers: a request after the kills is answered.
    const after = await app.gql('{ tierPrograms { key } }');
    expect(after.errors).toBeUndefined();
  });

  it('answers all 200 with a code and the request id, no SQL, table names or stack, and logs each stack under that id', () => {
    expect(responses).toHaveLength(200);
    const failedBy = (fault: string) =>
      responses.filter((r) => r.fault === fault && (r.res.errors?.length || r.res.data?.customerUpsert?.userErrors?.length)).length;
    expect(['resolver fault', 'missing table', 'constraint violation'].map((fault) => [fault, failedBy(fault)])).toEqual([
      ['resolver fault', 50],
      ['missing table', 50],
      ['constraint violation', 50],
    ]);
    // Requests that ran between the kills succeed; at least some ran into one.
    expect(failedBy('connections killed')).toBeGreaterThan(0);

    for (const { fault, res } of responses) {
      const requestId = res.headers.get('x-request-id');
      expect({ fault, leaks: JSON.stringify({ data: res.data, errors: res.errors }).match(LEAKS)?.[0] ?? null }).toEqual({ fault, leaks: null });
      for (const error of res.errors ?? []) {
        expect({ fault, code: typeof error.extensions?.code, requestId: (error.extensions as { requestId?: string }).requestId }).toEqual({ fault, code: 'string', requestId });
      }
      if (res.errors?.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR')) {
        expect({ fault, stackLogged: (logged.get(requestId!) ?? []).some((stack) => /\n\s+at /.test(stack)) }).toEqual({ fault, stackLogged: true });
      }
    }
    const upserts = responses.filter((r) => r.fault === 'constraint violation').map((r) => r.res.data?.customerUpsert?.userErrors?.[0]?.code ?? r.res.errors?.[0]?.extensions?.code);
    expect(upserts.filter((code) => code === 'CONFLICT')).toHaveLength(25);
    expect(upserts.filter((code) => code === 'INTERNAL_SERVER_ERROR')).toHaveLength(25);
  });
});

describe('logs and correlation ids (issue 12, item 9)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ ruleFiles: false, retier: { start: false } });
  });
  afterAll(() => app.close());

  it('logs a failed statement by its shape, never its parameter values', async () => {
    await app.db.dataSource.query(`INSERT INTO customer (external_id, name, facts) VALUES ('dup', 'D', '{}')`);
    const error = await app.db.dataSource
      .query(`INSERT INTO customer (external_id, name, facts) VALUES ($1, $2, $3)`, ['dup', 'Wang Wei', JSON.stringify({ balance: 987654321 })])
      .catch((e: unknown) => e);
    const logged = JSON.stringify(loggableError(error));
    expect(logged).toContain('INSERT INTO customer (external_id, name, facts) VALUES ($1, $2, $3)');
    expect(logged).toContain('23505');
    expect(logged).not.toMatch(/987654321|Wang Wei|Key \(external_id\)/);
  });

  it('keeps a well-formed client x-request-id and replaces any other with its own', async () => {
    const send = (id: string) =>
      fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${app.adminKey}`, 'x-request-id': id }, body: '{"query":"{ factDefinitions { key } }"}' });
    expect((await send('crm-2026-12-02-0001')).headers.get('x-request-id')).toBe('crm-2026-12-02-0001');
    for (const forged of ['has spaces in it', 'x'.repeat(65), 'short', 'quote"injection-123', 'newline%0Ainjected']) {
      expect((await send(forged)).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});
