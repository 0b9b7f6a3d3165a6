import fc from 'fast-check';
import { GraphQLInputType, GraphQLNamedType, getNamedType, isInputObjectType, isListType, isNonNullType } from 'graphql';
import { MAX_INPUT_DEPTH } from '../../src/limits/untrusted-input';
import { TestApp, startTestApp } from '../helpers/app';
import { operation, rootFields, sample } from '../helpers/schema-operations';

/** A place in an operation's variables where a value of `type` goes. */
interface Slot {
  path: (string | number)[];
  type: GraphQLNamedType;
  list: boolean;
}

/** Every scalar place inside an argument's value, with the path to it. */
function slots(type: GraphQLInputType, path: (string | number)[], list = false): Slot[] {
  if (isNonNullType(type)) return slots(type.ofType, path, list);
  if (isListType(type)) return slots(type.ofType, [...path, 0], true);
  if (isInputObjectType(type)) return Object.values(type.getFields()).flatMap((f) => slots(f.type, [...path, f.name]));
  return [{ path, type: getNamedType(type), list }];
}

function setAt(root: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
}

/** JSON text nested `levels` deep, as a 10,000-level document arrives (too deep for JSON.stringify here). */
const nested = (levels: number, kind: 'object' | 'array') => (kind === 'object' ? `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}` : `${'['.repeat(levels)}1${']'.repeat(levels)}`);
/** Stands in the variables for `nested` text, put in after stringifying. */
const DEEP = '\u0001deep\u0001';

type Defect = 'nul' | 'nul-key' | 'deep-object' | 'deep-array' | 'wrong-type' | 'beyond-int32' | 'missing';

/**
 * Issue 12, item 8: what the client sends is refused at the edge, with a code, the
 * variable's path and HTTP 400, before any resolver (so any SQL) runs; never
 * INTERNAL_SERVER_ERROR. The operations and the places in them come from the schema.
 */
describe('bad input at the edge, generated from the schema (RELIABILITY.md H8)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false }, costLimits: { maxCost: 5_000, bucketSize: 1e9, restorePerSecond: 1e9 } });
  });
  afterAll(() => app.close());

  const post = async (query: string, variables: Record<string, unknown>, deep = '') => {
    const before = app.queries.count;
    const res = await fetch(app.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }).replace(JSON.stringify(DEEP), deep),
    });
    const body = (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
    return { status: res.status, body, statements: app.queries.count - before };
  };

  it('refuses NUL characters, 10,000-level nesting, wrong types and missing variables in every argument of every operation', async () => {
    const schema = app.strata.schema;
    const operations = rootFields(schema)
      .filter(({ field }) => field.args.length > 0)
      .map(({ kind, field }) => ({ kind, field, places: field.args.flatMap((a) => slots(a.type, [a.name]).map((s) => ({ ...s, arg: a }))) }));
    expect(operations.length).toBeGreaterThan(30);
    const tried = new Set<string>();
    const DEFECTS: Defect[] = ['nul', 'nul-key', 'deep-object', 'deep-array', 'wrong-type', 'beyond-int32', 'missing'];
    const cases = fc.constantFrom(...operations).chain((op) => fc.record({ op: fc.constant(op), place: fc.constantFrom(...op.places), defect: fc.constantFrom(...DEFECTS) }));
    const isJson = (place: Slot) => place.type.name === 'JSON' || place.type.name === 'JSONObject';
    const fits: Record<Defect, (place: Slot & { arg: { type: GraphQLInputType } }) => boolean> = {
      nul: (place) => isJson(place) || ['String', 'ID'].includes(place.type.name),
      'nul-key': isJson,
      'deep-object': isJson,
      'deep-array': isJson,
      'wrong-type': (place) => !isJson(place),
      'beyond-int32': (place) => place.type.name === 'Int',
      missing: (place) => isNonNullType(place.arg.type),
    };
    // Every defect once where it applies, before the random draws: as the schema grew, drawing alone missed one now and then.
    const everyDefect = DEFECTS.map((defect) => {
      const op = operations.find((o) => o.places.some(fits[defect]))!;
      return [{ op, place: op.places.find(fits[defect])!, defect }] as [{ op: (typeof operations)[number]; place: (typeof operations)[number]['places'][number]; defect: Defect }];
    });
    await fc.assert(
      fc.asyncProperty(cases, async ({ op, place, defect }) => {
        const variables = Object.fromEntries(op.field.args.map((a) => [a.name, sample(a.type, true)])) as Record<string, unknown>;
        if (!fits[defect](place)) return;
        const json = isJson(place);
        let expected: RegExp;
        let deep = '';
        switch (defect) {
          case 'nul':
            setAt(variables, place.path, json ? { note: 'a\u0000b' } : 'a\u0000b');
            expected = new RegExp(`^\\$${place.arg.name}.* holds a NUL character`);
            break;
          case 'nul-key':
            setAt(variables, place.path, { ['k\u0000']: 1 });
            expected = new RegExp(`^\\$${place.arg.name}.*: a key holds a NUL character`);
            break;
          case 'deep-object':
          case 'deep-array':
            setAt(variables, place.path, { a: DEEP });
            deep = nested(10_000, defect === 'deep-object' ? 'object' : 'array');
            expected = new RegExp(`^\\$${place.arg.name}.* nests deeper than ${MAX_INPUT_DEPTH} levels`);
            break;
          case 'wrong-type':
            setAt(variables, place.path, place.type.name === 'Int' || place.type.name === 'Float' || place.type.name === 'Boolean' ? 'text' : { not: 'a scalar' });
            expected = new RegExp(`\\$${place.arg.name}`);
            break;
          case 'beyond-int32':
            setAt(variables, place.path, 2 ** 31);
            expected = new RegExp(`\\$${place.arg.name}.*non 32-bit|\\$${place.arg.name}.*32-bit`);
            break;
          case 'missing':
            delete variables[place.arg.name];
            expected = new RegExp(`\\$${place.arg.name}.* was not provided`);
            break;
        }
        tried.add(defect);
        const res = await post(operation(op.kind, op.field, op.field.args), variables, deep);
        const at = `${op.field.name} ${place.path.join('.')}: ${defect}`;
        const outcome: Record<string, unknown> = { at, status: res.status, code: res.body.errors?.[0]?.extensions?.code, named: expected.test(res.body.errors?.[0]?.message ?? ''), data: res.body.data ?? null };
        if (!outcome.named) Object.assign(outcome, { message: res.body.errors?.[0]?.message });
        expect(outcome).toEqual({ status: 400, code: 'BAD_USER_INPUT', named: true, data: null, at });
        // The API key lookup only: no resolver ran.
        expect(res.statements).toBeLessThanOrEqual(1);
      }),
      { numRuns: 400 - everyDefect.length, examples: everyDefect },
    );
    expect([...tried].sort()).toEqual(['beyond-int32', 'deep-array', 'deep-object', 'missing', 'nul', 'nul-key', 'wrong-type']);
  });

  it('refuses NUL characters and deep nesting written into the document itself', async () => {
    const nul = await post(`mutation { customerUpsert(input: { externalId: "a\\u0000b", name: "n", facts: {} }) { customer { id } } }`, {});
    expect(nul.status).toBe(400);
    expect(nul.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/argument input\) holds a NUL character/), extensions: { code: 'BAD_USER_INPUT' } });
    const deep = await post(`mutation { customerUpsert(input: { externalId: "e", name: "n", facts: { a: ${'['.repeat(70)}1${']'.repeat(70)} } }) { customer { id } } }`, {});
    expect(deep.status).toBe(400);
    expect(deep.body.errors?.[0]?.message).toMatch(`nests deeper than ${MAX_INPUT_DEPTH} levels`);
    expect(await app.db.dataSource.query(`SELECT count(*)::int AS n FROM customer WHERE external_id IN ('e', 'a' || chr(1))`)).toEqual([{ n: 0 }]);
  });

  it('refuses forged cursors and cursors beyond bigint with HTTP 400, before any SQL but the key lookup', async () => {
    const cursor = (value: string) => Buffer.from(value).toString('base64url');
    const forged = [cursor('-'.repeat(36)), cursor('ffffffff-ffff-ffff-ffff-fffffffffffz'), cursor('9'.repeat(30)), cursor('9223372036854775808'), cursor('-1'), cursor('0'), 'not base64 at all', cursor('12\u00003')];
    for (const after of forged) {
      for (const query of [`query($after: String) { customers(after: $after) { edges { cursor } } }`, `query($after: String) { auditEvents(after: $after) { edges { cursor } } }`]) {
        const res = await post(query, { after });
        expect({ after, status: res.status, code: res.body.errors?.[0]?.extensions?.code }).toEqual({ after, status: 400, code: 'BAD_USER_INPUT' });
        expect(res.statements).toBeLessThanOrEqual(1);
      }
    }
    const { data } = await app.gql(`mutation { customerUpsert(input: { externalId: "history-owner", name: "n", facts: {} }) { customer { id } } }`);
    const res = await app.gql(`query($id: ID!, $after: String) { customer(id: $id) { tierHistory(after: $after) { edges { cursor } } } }`, {
      id: data.customerUpsert.customer.id,
      after: cursor('9'.repeat(25)),
    });
    expect(res.errors?.[0]).toMatchObject({ message: 'after is not a cursor from this list', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('finds a row by its id in upper case wherever it is asked for, and writes ids in lower case', async () => {
    const { data } = await app.gql(`mutation { customerUpsert(input: { externalId: "upper-case", name: "Upper", facts: { balance: 1 } }) { customer { id } } }`);
    const id: string = data.customerUpsert.customer.id;
    const upper = id.toUpperCase();
    expect((await app.gql(`{ customer(id: "${upper}") { id externalId } }`)).data.customer).toEqual({ id, externalId: 'upper-case' });
    expect((await app.gql(`query($id: ID) { customer(id: $id) { id } }`, { id: upper })).data.customer).toEqual({ id });
    expect((await app.gql(`query($ids: [ID!]) { customerEntitlements(ids: $ids) { customerId found } }`, { ids: [upper] })).data.customerEntitlements).toEqual([{ customerId: id, found: true }]);
    await app.gql(`mutation { entitlementDefine(input: { key: "upperNote", name: "Upper note", valueType: STRING }) { userErrors { message } } }`);
    const grant = await app.gql(`mutation($input: EntitlementGrantInput!) { entitlementGrant(input: $input) { grant { id customerId } userErrors { message } } }`, {
      input: { customerId: upper, key: 'upperNote', value: 'hi', reason: 'upper-case id' },
    });
    expect(grant.data.entitlementGrant.grant.customerId).toBe(id);
    const revoked = await app.gql(`mutation($id: ID!) { entitlementGrantRevoke(id: $id) { grant { id } userErrors { message } } }`, { id: grant.data.entitlementGrant.grant.id.toUpperCase() });
    expect(revoked.data.entitlementGrantRevoke).toEqual({ grant: { id: grant.data.entitlementGrant.grant.id }, userErrors: [] });
  });

  it('refuses a rank beyond a 32-bit integer in a rule document, so an approved draft can always publish', async () => {
    const created = await app.gql(`mutation { ruleDraftCreate(programKey: "retail-bank") { draft { id revision document } userErrors { message } } }`);
    const { id, revision, document } = created.data.ruleDraftCreate.draft;
    document.tiers[0].rank = 2 ** 31;
    const res = await app.gql(`mutation($id: ID!, $revision: Int!, $document: JSONObject!) { ruleDraftUpdate(id: $id, revision: $revision, document: $document) { draft { id } userErrors { code field message } } }`, {
      id,
      revision,
      document,
    });
    expect(res.data.ruleDraftUpdate).toEqual({
      draft: null,
      userErrors: [{ code: 'INVALID', field: ['document', 'tiers', '0', 'rank'], message: 'rank must lie between -2,147,483,648 and 2,147,483,647, got the number 2147483648' }],
    });
  });
});
