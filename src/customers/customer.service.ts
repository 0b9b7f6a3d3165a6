import { In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Context } from '../context';
import { SqlParams } from '../engine';
import { countShowingTier, pageShowingTier } from '../evaluation/shown-tier-reads';
import { EvaluationService } from '../evaluation/evaluation.service';
import { TierChange, TierChangeCause } from '../evaluation/tier-change.entity';
import { FactService } from '../facts/fact.service';
import { ReplayCodec } from '../idempotency/idempotency.service';
import { PublishedProgram } from '../programs/program-registry';
import { DomainError } from '../shared/errors';
import { isUuid } from '../shared/ids';
import { Connection, decodeCursor, pageSize, toConnection } from '../shared/pagination';
import { throwIfAny, userError } from '../shared/user-error';
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
  segment?: string | null;
}

export interface CustomerWrite {
  customer: Customer;
  tierChanges: TierChange[];
}

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

  /** Customers ordered by id; by program and tier, the tier each customer shows (evaluation/shown-tier-reads). */
  async list(ctx: Context, filter: CustomerFilter, first?: number | null, after?: string | null): Promise<Connection<Customer>> {
    const size = pageSize(first);
    const afterId = decodeCursor(after, 'uuid');
    if (filter.tierKey && !filter.programKey) throw new DomainError('BAD_USER_INPUT', 'filter.tierKey needs filter.programKey');
    let published: PublishedProgram | undefined;
    if (filter.programKey) {
      published = (await ctx.loaders.programs()).find((p) => p.program.key === filter.programKey);
      if (!published) throw new DomainError('NOT_FOUND', `no tier program with key "${filter.programKey}"`);
      if (filter.tierKey && !published.tiers.some((t) => t.key === filter.tierKey)) {
        throw new DomainError('NOT_FOUND', `program "${filter.programKey}" has no tier "${filter.tierKey}"`);
      }
    }
    const source = (pageAfter: string | null, params: SqlParams) => {
      const where: string[] = [];
      if (filter.segment) where.push(`c.segment = ${params.add(filter.segment, 'text')}`);
      if (pageAfter) where.push(`c.id > ${params.add(pageAfter, 'uuid')}`);
      return `SELECT c.* FROM customer c ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY c.id`;
    };
    const match = published ? { published, tierKey: filter.tierKey ?? null } : null;
    const count = async () => {
      if (match) return countShowingTier(ctx, match, (params) => source(null, params), CUSTOMER_COLUMNS);
      const params = new SqlParams();
      const [{ count: total }] = await ctx.db.query(`SELECT count(*)::int AS count FROM (${source(null, params)}) counted`, params.values);
      return total as number;
    };
    let rows: Record<string, unknown>[];
    if (match) {
      rows = await pageShowingTier(ctx, match, source, CUSTOMER_COLUMNS, afterId, size + 1);
    } else {
      const params = new SqlParams();
      const sql = `${source(afterId, params)} LIMIT ${params.add(size + 1, 'int')}`;
      rows = await ctx.db.query(sql, params.values);
    }
    return toConnection(rows.map((row) => customerFromRow(ctx, row)), size, (c) => c.id, count);
  }

  /**
   * Creates or replaces a customer by externalId, then re-evaluates and records its tiers.
   * With expectedVersion, only that version of an existing customer is replaced.
   */
  async upsert(tx: Context, input: CustomerUpsertInput): Promise<CustomerWrite> {
    throwIfAny(this.facts.check(await this.facts.catalog(tx), input.facts, ['input', 'facts'], false));
    const expected = input.expectedVersion ?? null;
    const rows: Record<string, unknown>[] = await tx.db.query(
      `INSERT INTO customer (external_id, name, segment, facts) VALUES ($1, $2, $3, $4)
       ON CONFLICT (external_id) DO UPDATE
         SET name = EXCLUDED.name, segment = EXCLUDED.segment, facts = EXCLUDED.facts,
             version = customer.version + 1, updated_at = now()
         WHERE $5::int IS NULL OR customer.version = $5::int
       RETURNING *, xmax = 0 AS inserted`,
      [input.externalId, input.name, input.segment ?? null, JSON.stringify(input.facts), expected],
    );
    if (expected !== null && rows[0]?.inserted !== false) {
      const current = rows.length ? null : await this.versionOf(tx, 'external_id', input.externalId);
      throwIfAny([versionConflict(['input', 'expectedVersion'], `customer "${input.externalId}"`, current, expected)]);
    }
    return this.recorded(tx, rows[0]);
  }

  /** Merge patch: listed facts are set, a null value removes the fact. */
  async updateFacts(tx: Context, id: string, patch: Record<string, unknown>, expectedVersion?: number | null): Promise<CustomerWrite> {
    throwIfAny(this.facts.check(await this.facts.catalog(tx), patch, ['facts'], true));
    const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== null));
    const removed = Object.keys(patch).filter((k) => patch[k] === null);
    const expected = expectedVersion ?? null;
    const [rows]: [Record<string, unknown>[], number] = isUuid(id)
      ? await tx.db.query(
          `UPDATE customer SET facts = (facts || $2::jsonb) - $3::text[], version = version + 1, updated_at = now()
            WHERE id = $1 AND ($4::int IS NULL OR version = $4::int) RETURNING *`,
          [id, JSON.stringify(set), removed, expected],
        )
      : [[], 0];
    if (rows.length === 0) {
      const current = isUuid(id) ? await this.versionOf(tx, 'id', id) : null;
      if (current === null) throwIfAny([userError('NOT_FOUND', ['id'], `no customer with id "${id}"`)]);
      throwIfAny([versionConflict(['expectedVersion'], `customer "${id}"`, current, expected!)]);
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
  async delete(tx: Context, id: string): Promise<string> {
    const [removed]: Record<string, unknown>[] = isUuid(id)
      ? await tx.db.query(
          `WITH gone AS (DELETE FROM customer WHERE id = $1 RETURNING id, external_id, name, segment, facts, version)
           SELECT g.*, (SELECT count(*)::int FROM tier_assignment WHERE customer_id = g.id) AS assignments,
                  (SELECT count(*)::int FROM entitlement_grant WHERE customer_id = g.id) AS grants,
                  (SELECT count(*)::int FROM tier_override WHERE customer_id = g.id) AS overrides,
                  (SELECT count(*)::int FROM tier_change WHERE customer_id = g.id) AS "historyKept"
             FROM gone g`,
          [id],
        )
      : [];
    if (!removed) throwIfAny([userError('NOT_FOUND', ['id'], `no customer with id "${id}"`)]);
    const { id: _id, ...before } = removed;
    await this.audit.record(tx, { action: 'customerDelete', entityType: 'CUSTOMER', entityKey: id, before });
    return id;
  }

  private async recorded(tx: Context, row: Record<string, unknown>): Promise<CustomerWrite> {
    const customer = customerFromRow(tx, row);
    const tierChanges = await this.evaluation.recordCustomer(tx, customer, TierChangeCause.CUSTOMER_UPDATE);
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
function customerFromRow(ctx: Context, row: Record<string, unknown>): Customer {
  return ctx.db.create(Customer, {
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
