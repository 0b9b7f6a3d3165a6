import { In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Context } from '../context';
import { SqlParams } from '../engine';
import { countShowingTier, pageShowingTier } from '../evaluation/shown-tier-reads';
import { EvaluationService } from '../evaluation/evaluation.service';
import { TierChange, TierChangeCause } from '../evaluation/tier-change.entity';
import { FactService } from '../facts/fact.service';
import { factsChangesCte } from '../facts/facts-history';
import { ReplayCodec } from '../idempotency/idempotency.service';
import { PublishedProgram } from '../programs/program-registry';
import { DomainError } from '../shared/errors';
import { CustomerAddress, addressedCustomer } from '../shared/customer-address';
import { Connection, PageArgs, keyset, pageRequest, parseSortCursor, sortCursor, toConnection } from '../shared/pagination';
import { UserError, listed, throwIfAny, userError } from '../shared/user-error';
import { TypedValue, typedValue } from '../shared/typed-value';
import type { FactDefinition } from '../facts/fact-definition.entity';
import { inputProblems } from '../shared/validation';
import { Customer } from './customer.entity';

export interface CustomerUpsertInput {
  externalId: string;
  name: string;
  segment?: string | null;
  facts: Record<string, unknown>;
  /** The version the caller read; the write is refused unless it is still current. */
  expectedVersion?: number | null;
}

export interface CustomerFilter {
  programKey?: string | null;
  tierKey?: string | null;
  /** The status of the tier shown in programKey (held-tier.ts). */
  tierStatus?: 'ACTIVE' | 'AT_RISK' | 'IN_GRACE' | null;
  segment?: string | null;
  updatedSince?: Date | null;
  /** Inclusive ranges on NUMBER facts; every range must hold. */
  facts?: { fact: string; min?: number | null; max?: number | null }[] | null;
}

export interface CustomerOrder {
  field: 'ID' | 'NAME' | 'CREATED_AT' | 'UPDATED_AT' | 'FACT';
  direction?: 'ASC' | 'DESC' | null;
  /** The NUMBER fact a FACT order sorts by. */
  fact?: string | null;
}

interface CustomerSorting {
  /** The SQL sort key (null: the id alone). */
  expr: ((params: SqlParams) => string) | null;
  type: 'text' | 'timestamptz' | 'float8' | null;
  direction: 'ASC' | 'DESC';
}

export interface CustomerWrite {
  customer: Customer;
  tierChanges: TierChange[];
}

/** The most customers one customersUpsert call writes. */
export const CUSTOMER_BATCH_MAX = 500;

/** One item of a customersUpsert call: written (customer set) or refused (userErrors). */
export interface CustomerBatchResult {
  externalId: string;
  customer: Customer | null;
  tierChanges: TierChange[];
  userErrors: UserError[];
}

/** Each item kept for replay as its customer's id, its history rows' ids and its refusals. */
export const customerBatchReplay: ReplayCodec<{ results: CustomerBatchResult[] }> = {
  store: ({ results }) =>
    results.map((r) => ({ externalId: r.externalId, customerId: r.customer?.id ?? null, tierChangeIds: r.tierChanges.map((c) => c.id), userErrors: r.userErrors })),
  async replay(tx, stored) {
    const items = stored as { externalId: string; customerId: string | null; tierChangeIds: string[]; userErrors: UserError[] }[];
    const customerIds = items.flatMap((i) => (i.customerId ? [i.customerId] : []));
    const changeIds = items.flatMap((i) => i.tierChangeIds);
    const [customers, changes] = await Promise.all([
      tx.db.query(`SELECT * FROM customer WHERE id = ANY($1::uuid[])`, [customerIds]) as Promise<Record<string, unknown>[]>,
      changeIds.length ? tx.db.find(TierChange, { where: { id: In(changeIds) }, order: { id: 'ASC' } }) : Promise.resolve([]),
    ]);
    const customerById = new Map(customers.map((row) => [row.id as string, customerFromRow(row)]));
    const changeById = new Map(changes.map((c) => [c.id, c]));
    const results = items.map((item, i) => {
      const customer = item.customerId ? customerById.get(item.customerId) ?? null : null;
      const userErrors = item.customerId && !customer
        ? [userError('NOT_FOUND', ['inputs', i], `customer "${item.externalId}" written by this idempotency key has since been deleted`)]
        : item.userErrors.map((e) => userError(e.code, e.field, e.message));
      return { externalId: item.externalId, customer, tierChanges: item.tierChangeIds.flatMap((id) => changeById.get(id) ?? []), userErrors };
    });
    return { results };
  },
};

/**
 * A customer write kept for idempotent replay: the customer as the write left it and the
 * ids of the history rows it appended (history rows never change).
 */
export const customerWriteReplay: ReplayCodec<CustomerWrite> = {
  store: ({ customer, tierChanges }) => ({ customer, tierChangeIds: tierChanges.map((c) => c.id) }),
  async replay(tx, stored) {
    const { customer, tierChangeIds } = stored as { customer: Record<string, unknown>; tierChangeIds: string[] };
    const [exists] = await tx.db.query('SELECT 1 FROM customer WHERE id = $1', [customer.id]);
    if (!exists) throwIfAny([userError('NOT_FOUND', [], `customer "${customer.externalId}" written by this idempotency key has since been deleted`)]);
    const tierChanges = tierChangeIds.length ? await tx.db.find(TierChange, { where: { id: In(tierChangeIds) }, order: { id: 'ASC' } }) : [];
    return { customer: tx.db.create(Customer, { ...customer, createdAt: new Date(customer.createdAt as string), updatedAt: new Date(customer.updatedAt as string) }), tierChanges };
  },
};

/** A customer write's own arguments name the customer. */
const ADDRESS_FIELDS = { id: ['id'], externalId: ['externalId'] };

/** The columns a batch insert reads back (the update names the same); the rest is what the call sent. */
const WRITTEN_COLUMNS = 'id, external_id, version, created_at, updated_at';

/** The columns customerFromRow reads. */
const CUSTOMER_COLUMNS = ['id', 'external_id', 'name', 'segment', 'facts', 'version', 'created_at', 'updated_at'];

export class CustomerService {
  constructor(
    private readonly facts: FactService,
    private readonly evaluation: EvaluationService,
    private readonly audit: AuditService,
  ) {}

  async find(ctx: Context, by: { id?: string | null; externalId?: string | null }): Promise<Customer | null> {
    if ((by.id ? 1 : 0) + (by.externalId ? 1 : 0) !== 1) {
      throw new DomainError('BAD_USER_INPUT', 'give exactly one of id and externalId');
    }
    return by.id ? ctx.loaders.customerById.load(by.id) : ctx.loaders.customerByExternalId.load(by.externalId!);
  }

  /** The customer a set of customerEntitlements answers for, from the request's loaders. */
  async ofEntitlementSet(ctx: Context, set: { customerId: string | null; found: boolean }): Promise<Customer | null> {
    return set.found && set.customerId ? this.byId(ctx, set.customerId) : null;
  }

  /** The customer's facts typed by the catalog, in catalog order; facts the catalog lost come last, as text. */
  async factValues(ctx: Context, customer: Customer): Promise<{ key: string; definition: FactDefinition | null; value: TypedValue }[]> {
    const definitions = await ctx.loaders.factDefinitions();
    const known = new Set(definitions.map((d) => d.key));
    return [
      ...definitions.filter((d) => Object.hasOwn(customer.facts, d.key)).map((d) => ({ key: d.key, definition: d, value: typedValue(d.type, customer.facts[d.key], d.unit) })),
      ...Object.keys(customer.facts)
        .filter((key) => !known.has(key))
        .map((key) => ({ key, definition: null, value: typedValue('STRING', JSON.stringify(customer.facts[key]), null) })),
    ];
  }

  /** A customer by Strata's id, from the request's loaders; null when none has it. */
  byId(ctx: Context, id: string): Promise<Customer | null> {
    return ctx.loaders.customerById.load(id);
  }

  /**
   * Customers in `order` (by id unless told otherwise), filtered; by program and tier, the
   * tier each customer shows (evaluation/shown-tier-reads). `query` finds names starting
   * with it (any case) and externalIds starting with it.
   */
  async list(ctx: Context, filter: CustomerFilter, page: PageArgs, query: string | null = null, order: CustomerOrder | null = null): Promise<Connection<Customer>> {
    const sorting = await this.sorting(ctx, order);
    const request = pageRequest(page, sorting.expr ? 'sorted' : 'uuid');
    if (filter.tierKey && !filter.programKey) throw new DomainError('BAD_USER_INPUT', 'filter.tierKey needs filter.programKey');
    if (filter.tierStatus && !filter.programKey) throw new DomainError('BAD_USER_INPUT', 'filter.tierStatus needs filter.programKey');
    if (query !== null && (query.length < 1 || query.length > 100)) throw new DomainError('BAD_USER_INPUT', 'query must be 1 to 100 characters');
    const catalog = filter.facts?.length ? await this.facts.catalog(ctx) : null;
    for (const [i, range] of (filter.facts ?? []).entries()) {
      if (catalog!.get(range.fact) !== 'NUMBER') throw new DomainError('BAD_USER_INPUT', `filter.facts[${i}].fact: "${range.fact}" is not a NUMBER fact of the catalog`);
      if (range.min == null && range.max == null) throw new DomainError('BAD_USER_INPUT', `filter.facts[${i}]: give min, max or both`);
    }
    let published: PublishedProgram | undefined;
    if (filter.programKey) {
      published = (await ctx.loaders.programs()).find((p) => p.program.key === filter.programKey);
      if (!published) throw new DomainError('NOT_FOUND', `no tier program with key "${filter.programKey}"`);
      if (filter.tierKey && !published.tiers.some((t) => t.key === filter.tierKey)) {
        throw new DomainError('NOT_FOUND', `program "${filter.programKey}" has no tier "${filter.tierKey}"`);
      }
    }
    const { op, order: direction } = keyset(request, sorting.direction);
    const source = (cursor: string | null, params: SqlParams) => {
      const where: string[] = [];
      if (filter.segment) where.push(`c.segment = ${params.add(filter.segment, 'text')}`);
      if (filter.tierStatus && published) where.push(this.evaluation.tierStatusSql(ctx, published, filter.tierStatus, 'c.id', params));
      if (filter.updatedSince) where.push(`c.updated_at >= ${params.add(filter.updatedSince, 'timestamptz')}`);
      for (const range of filter.facts ?? []) {
        const value = `(c.facts->>${params.add(range.fact, 'text')})::float8`;
        if (range.min != null) where.push(`${value} >= ${params.add(range.min, 'float8')}`);
        if (range.max != null) where.push(`${value} <= ${params.add(range.max, 'float8')}`);
      }
      if (query !== null) {
        const prefix = `${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        where.push(`(lower(c.name) LIKE ${params.add(prefix.toLowerCase(), 'text')} OR c.external_id LIKE ${params.add(prefix, 'text')})`);
      }
      const expr = sorting.expr && sorting.expr(params);
      if (cursor && expr) {
        const { sortKey, id } = parseSortCursor(cursor);
        where.push(`(${expr}, c.id) ${op} (${params.add(sortKey, sorting.type!)}, ${params.add(id, 'uuid')})`);
      } else if (cursor) where.push(`c.id ${op} ${params.add(cursor, 'uuid')}`);
      const columns = expr ? `c.*, ${expr} AS sort_value, (${expr})::text AS sort_key` : 'c.*';
      const orderBy = expr ? `${expr} ${direction}, c.id ${direction}` : `c.id ${direction}`;
      return `SELECT ${columns} FROM customer c ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${orderBy}`;
    };
    const keep = sorting.expr ? [...CUSTOMER_COLUMNS, 'sort_value', 'sort_key'] : CUSTOMER_COLUMNS;
    const cursorOf = (row: Record<string, unknown>) => (sorting.expr ? sortCursor(row.sort_key as string | null, row.id as string) : (row.id as string));
    const match = published ? { published, tierKey: filter.tierKey ?? null } : null;
    const count = async () => {
      if (match) return countShowingTier(ctx, match, (params) => source(null, params), CUSTOMER_COLUMNS);
      const params = new SqlParams();
      const [{ count: total }] = await ctx.db.query(`SELECT count(*)::int AS count FROM (${source(null, params)}) counted`, params.values);
      return total as number;
    };
    let rows: Record<string, unknown>[];
    if (match) {
      const outerOrder = sorting.expr ? `x.sort_value ${direction}, x.id ${direction}` : `x.id ${direction}`;
      rows = await pageShowingTier(ctx, match, source, keep, request.cursor, request.size + 1, { sql: outerOrder, cursorOf });
    } else {
      const params = new SqlParams();
      const sql = `${source(request.cursor, params)} LIMIT ${params.add(request.size + 1, 'int')}`;
      rows = await ctx.db.query(sql, params.values);
    }
    const cursors = new Map(rows.map((row) => [row.id as string, cursorOf(row)]));
    return toConnection(rows.map((row) => customerFromRow(row)), request, (c) => cursors.get(c.id)!, count);
  }

  /** How `order` sorts customers in SQL: by id when null. Fact orders need a NUMBER fact of the catalog. */
  private async sorting(ctx: Context, order: CustomerOrder | null): Promise<CustomerSorting> {
    const direction = order?.direction ?? 'ASC';
    switch (order?.field ?? 'ID') {
      case 'ID':
        if (order?.fact) throw new DomainError('BAD_USER_INPUT', 'orderBy.fact is only for field FACT');
        return { expr: null, type: null, direction };
      case 'NAME':
        return { expr: () => 'c.name', type: 'text', direction };
      case 'CREATED_AT':
        return { expr: () => 'c.created_at', type: 'timestamptz', direction };
      case 'UPDATED_AT':
        return { expr: () => 'c.updated_at', type: 'timestamptz', direction };
      case 'FACT': {
        const fact = order?.fact;
        if (!fact || (await this.facts.catalog(ctx)).get(fact) !== 'NUMBER') throw new DomainError('BAD_USER_INPUT', 'orderBy.fact must name a NUMBER fact of the catalog');
        // Customers without the fact sort as the smallest value.
        return { expr: (params) => `coalesce((c.facts->>${params.add(fact, 'text')})::float8, '-Infinity'::float8)`, type: 'float8', direction };
      }
    }
  }

  /**
   * Creates or replaces a customer by externalId, then re-evaluates and records its tiers.
   * With expectedVersion, only that version of an existing customer is replaced.
   */
  async upsert(tx: Context, input: CustomerUpsertInput): Promise<CustomerWrite> {
    throwIfAny(this.facts.check(await this.facts.catalog(tx), input.facts, ['input', 'facts'], false));
    const expected = input.expectedVersion ?? null;
    const existing: { id: string }[] = await tx.db.query('SELECT id FROM customer WHERE external_id = $1 FOR UPDATE', [input.externalId]);
    await this.evaluation.settleTime(tx, existing.map((c) => c.id));
    const rows: Record<string, unknown>[] = await tx.db.query(
      `WITH before AS (SELECT id, facts FROM customer WHERE external_id = $1),
       written AS (
         INSERT INTO customer (external_id, name, segment, facts) VALUES ($1, $2, $3, $4)
         ON CONFLICT (external_id) DO UPDATE
           SET name = EXCLUDED.name, segment = EXCLUDED.segment, facts = EXCLUDED.facts,
               version = customer.version + 1, updated_at = now()
           WHERE $5::int IS NULL OR customer.version = $5::int
         RETURNING *, xmax = 0 AS inserted),
       kept AS (${factsChangesCte('written', '$6::timestamptz', 'before')})
       SELECT * FROM written`,
      [input.externalId, input.name, input.segment ?? null, JSON.stringify(input.facts), expected, tx.deps.clock.now()],
    );
    if (expected !== null && rows[0]?.inserted !== false) {
      const current = rows.length ? null : await this.versionOf(tx, 'external_id', input.externalId);
      throwIfAny([versionConflict(['input', 'expectedVersion'], `customer "${input.externalId}"`, current, expected)]);
    }
    return this.recorded(tx, rows[0]);
  }

  /**
   * Creates or replaces up to CUSTOMER_BATCH_MAX customers by externalId, each as
   * `upsert` would, in a fixed number of statements. An item that is refused (shape, facts,
   * a stale expectedVersion, an externalId sent twice) gets its own userErrors and is not
   * written; the others are.
   */
  async upsertMany(tx: Context, inputs: CustomerUpsertInput[]): Promise<{ results: CustomerBatchResult[] }> {
    if (inputs.length === 0 || inputs.length > CUSTOMER_BATCH_MAX) {
      throwIfAny([userError('INVALID', ['inputs'], `send 1 to ${CUSTOMER_BATCH_MAX} customers per call, not ${inputs.length}; split a larger load into several calls`)]);
    }
    const catalog = await this.facts.catalog(tx);
    const problems = inputs.map((input, i) => [...inputProblems(input, ['inputs', i]), ...this.facts.check(catalog, input.facts, ['inputs', String(i), 'facts'], false)]);
    const firstAt = new Map<string, number>();
    inputs.forEach((input, i) => {
      const earlier = firstAt.get(input.externalId);
      if (earlier === undefined) firstAt.set(input.externalId, i);
      else problems[i].push(userError('INVALID', ['inputs', i, 'externalId'], `externalId "${input.externalId}" is also at inputs[${earlier}]; send each customer once per call`));
    });
    const valid = inputs.flatMap((input, i) => (problems[i].length ? [] : [{ input, i }]));
    // One order of row locks for every call, so two calls that share customers cannot deadlock:
    // the existing rows first, then the new ones as the INSERT creates them.
    valid.sort((a, b) => (a.input.externalId < b.input.externalId ? -1 : a.input.externalId > b.input.externalId ? 1 : 0));
    let existing: string[] = [];
    if (valid.length) {
      const locked: { id: string }[] = await tx.db.query('SELECT id FROM customer WHERE external_id = ANY($1::text[]) ORDER BY external_id FOR UPDATE', [
        valid.map(({ input }) => input.externalId),
      ]);
      existing = locked.map((c) => c.id);
      await this.evaluation.settleTime(tx, existing);
    }
    // One JSON parameter for the whole batch: serialising it once costs a fraction of
    // escaping four arrays item by item (the facts are JSON inside an array literal).
    const rows = (items: typeof valid) =>
      JSON.stringify(items.map(({ input }) => ({ externalId: input.externalId, name: input.name, segment: input.segment ?? null, facts: input.facts, expected: input.expectedVersion ?? null })));
    const FROM_ROWS = `jsonb_array_elements($1::jsonb) WITH ORDINALITY AS r(item, n),
      LATERAL (SELECT r.n, r.item->>'externalId' AS external_id, r.item->>'name' AS name, r.item->>'segment' AS segment, r.item->'facts' AS facts, (r.item->>'expected')::int AS expected) u`;
    const plain = valid.filter(({ input }) => input.expectedVersion == null);
    const versioned = valid.filter(({ input }) => input.expectedVersion != null);
    const written: Record<string, unknown>[] = [];
    if (plain.length) {
      written.push(
        ...(await tx.db.query(
          `WITH before AS (SELECT id, facts FROM customer WHERE id = ANY($2::uuid[])),
           written AS (
             INSERT INTO customer (external_id, name, segment, facts)
             SELECT u.external_id, u.name, u.segment, u.facts FROM ${FROM_ROWS} ORDER BY u.n
             ON CONFLICT (external_id) DO UPDATE
               SET name = EXCLUDED.name, segment = EXCLUDED.segment, facts = EXCLUDED.facts, version = customer.version + 1, updated_at = now()
             RETURNING ${WRITTEN_COLUMNS}, facts, (xmax = 0) AS created),
           kept AS (${factsChangesCte('written', '$3::timestamptz', 'before')})
           SELECT ${WRITTEN_COLUMNS}, created FROM written`,
          [rows(plain), existing, tx.deps.clock.now()],
        )),
      );
    }
    if (versioned.length) {
      const updated: Record<string, unknown>[] = await tx.db.query(
        `WITH before AS (SELECT id, facts FROM customer WHERE id = ANY($2::uuid[])),
         written AS (
           UPDATE customer c SET name = u.name, segment = u.segment, facts = u.facts, version = c.version + 1, updated_at = now()
             FROM ${FROM_ROWS}
            WHERE c.external_id = u.external_id AND c.version = u.expected
           RETURNING c.id, c.external_id, c.version, c.created_at, c.updated_at, c.facts),
         kept AS (${factsChangesCte('written', '$3::timestamptz', 'before')})
         SELECT ${WRITTEN_COLUMNS} FROM written`,
        [rows(versioned), existing, tx.deps.clock.now()],
      );
      written.push(...updated);
    }
    // What was sent need not come back: only what the database decided.
    const sent = new Map(valid.map(({ input }) => [input.externalId, input]));
    const byExternalId = new Map(
      written.map((row) => {
        const { name, segment, facts } = sent.get(row.external_id as string)!;
        return [row.external_id as string, customerFromRow({ ...row, name, segment: segment ?? null, facts })];
      }),
    );
    const stale = versioned.filter(({ input }) => !byExternalId.has(input.externalId));
    if (stale.length) {
      const current: { external_id: string; version: number }[] = await tx.db.query('SELECT external_id, version FROM customer WHERE external_id = ANY($1::text[])', [
        stale.map(({ input }) => input.externalId),
      ]);
      const versionOf = new Map(current.map((r) => [r.external_id, r.version]));
      for (const { input, i } of stale) {
        problems[i].push(versionConflict(['inputs', String(i), 'expectedVersion'], `customer "${input.externalId}"`, versionOf.get(input.externalId) ?? null, input.expectedVersion!));
      }
    }
    // A row the INSERT created (rather than updated) has xmax 0: PostgreSQL's own way to tell them apart.
    const created = new Set(written.filter((row) => row.created === true).map((row) => row.id as string));
    const changes = await this.evaluation.recordCustomers(tx, [...byExternalId.values()], TierChangeCause.CUSTOMER_UPDATE, created);
    const changesOf = new Map<string, TierChange[]>();
    for (const change of changes) changesOf.set(change.customerId, [...(changesOf.get(change.customerId) ?? []), change]);
    const results = inputs.map((input, i) => {
      const customer = problems[i].length ? null : byExternalId.get(input.externalId)!;
      return { externalId: input.externalId, customer, tierChanges: customer ? changesOf.get(customer.id) ?? [] : [], userErrors: listed(problems[i]) };
    });
    return { results };
  }

  /** Merge patch: listed facts are set, a null value removes the fact. */
  async updateFacts(tx: Context, address: CustomerAddress, patch: Record<string, unknown>, expectedVersion?: number | null): Promise<CustomerWrite> {
    const errors = this.facts.check(await this.facts.catalog(tx), patch, ['facts'], true);
    // Locked before its assignments (settleTime), as every writer locks them.
    const customer = await addressedCustomer(tx, address, ADDRESS_FIELDS);
    if (customer instanceof UserError) errors.unshift(customer);
    throwIfAny(errors);
    const { id } = customer as { id: string };
    await this.evaluation.settleTime(tx, [id]);
    const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== null));
    const removed = Object.keys(patch).filter((k) => patch[k] === null);
    const expected = expectedVersion ?? null;
    const rows: Record<string, unknown>[] = await tx.db.query(
      `WITH before AS (SELECT id, facts FROM customer WHERE id = $1),
       written AS (
         UPDATE customer SET facts = (facts || $2::jsonb) - $3::text[], version = version + 1, updated_at = now()
          WHERE id = $1 AND ($4::int IS NULL OR version = $4::int) RETURNING *),
       kept AS (${factsChangesCte('written', '$5::timestamptz', 'before')})
       SELECT * FROM written`,
      [id, JSON.stringify(set), removed, expected, tx.deps.clock.now()],
    );
    if (rows.length === 0) {
      const current = await this.versionOf(tx, 'id', id);
      throwIfAny([versionConflict(['expectedVersion'], `customer "${address.id ?? address.externalId}"`, current, expected!)]);
    }
    return this.recorded(tx, rows[0]);
  }

  private async versionOf(tx: Context, column: 'id' | 'external_id', value: string): Promise<number | null> {
    const rows: { version: number }[] = await tx.db.query(`SELECT version FROM customer WHERE ${column} = $1`, [value]);
    return rows[0]?.version ?? null;
  }

  /**
   * Deletes a customer with its assignments, grants and overrides, audited with what it
   * removed. Tier history stays, as a bank keeps the record of a closed relationship.
   */
  async delete(tx: Context, address: CustomerAddress): Promise<string> {
    const customer = await addressedCustomer(tx, address, ADDRESS_FIELDS);
    if (customer instanceof UserError) throwIfAny([customer]);
    const { id } = customer as { id: string };
    // What an expiry did is recorded before the customer goes (history outlives it).
    await this.evaluation.settleTime(tx, [id]);
    const [removed]: Record<string, unknown>[] = await tx.db.query(
      `WITH gone AS (DELETE FROM customer WHERE id = $1 RETURNING id, external_id, name, segment, facts, version)
       SELECT g.*, (SELECT count(*)::int FROM tier_assignment WHERE customer_id = g.id) AS assignments,
              (SELECT count(*)::int FROM entitlement_grant WHERE customer_id = g.id) AS grants,
              (SELECT count(*)::int FROM tier_override WHERE customer_id = g.id) AS overrides,
              (SELECT count(*)::int FROM tier_change WHERE customer_id = g.id) AS "historyKept"
         FROM gone g`,
      [id],
    );
    const { id: _id, ...before } = removed;
    await this.audit.record(tx, { action: 'customerDelete', entityType: 'CUSTOMER', entityKey: id, before });
    return id;
  }

  private async recorded(tx: Context, row: Record<string, unknown>): Promise<CustomerWrite> {
    const customer = customerFromRow(row);
    const tierChanges = await this.evaluation.recordCustomers(tx, [customer], TierChangeCause.CUSTOMER_UPDATE);
    return { customer, tierChanges };
  }
}

function versionConflict(field: string[], what: string, current: number | null, expected: number) {
  return userError(
    'CONFLICT',
    field,
    current === null
      ? `${what} does not exist, so it is not at version ${expected}; leave expectedVersion out to create it`
      : `${what} is at version ${current}, not ${expected}: someone changed it; read it again and reapply your change`,
  );
}

/** A customer entity from a raw `customer` row. */
function customerFromRow(row: Record<string, unknown>): Customer {
  return Object.assign(new Customer(), {
    id: row.id as string,
    externalId: row.external_id as string,
    name: row.name as string,
    segment: row.segment as string | null,
    facts: row.facts as Record<string, unknown>,
    version: row.version as number,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  });
}
