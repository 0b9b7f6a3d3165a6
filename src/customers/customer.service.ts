import { Context } from '../context';
import { SQL_OUTSIDE, SqlParams, compileSqlClassifier } from '../engine';
import { activeOverrideTier, storedWithOverride, withOverride } from '../evaluation/sql-classification';
import { EvaluationService } from '../evaluation/evaluation.service';
import { TierChange, TierChangeCause } from '../evaluation/tier-change.entity';
import { FactService } from '../facts/fact.service';
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

const UUID_CURSOR = /^[0-9a-f-]{36}$/;

export class CustomerService {
  constructor(
    private readonly facts: FactService,
    private readonly evaluation: EvaluationService,
  ) {}

  async find(ctx: Context, by: { id?: string | null; externalId?: string | null }): Promise<Customer | null> {
    if ((by.id ? 1 : 0) + (by.externalId ? 1 : 0) !== 1) {
      throw new DomainError('BAD_USER_INPUT', 'give exactly one of id and externalId');
    }
    return by.id ? ctx.loaders.customerById.load(by.id) : ctx.loaders.customerByExternalId.load(by.externalId!);
  }

  /**
   * Customers ordered by id. Filtering by tier reads the stored assignments, which every
   * write keeps equal to what a live evaluation shows; while a re-tier job is bringing them
   * up to a newly published version, the tier is computed in SQL from the facts instead.
   */
  async list(ctx: Context, filter: CustomerFilter, first?: number | null, after?: string | null): Promise<Connection<Customer>> {
    const size = pageSize(first);
    const afterId = decodeCursor(after, UUID_CURSOR);
    if (filter.tierKey && !filter.programKey) throw new DomainError('BAD_USER_INPUT', 'filter.tierKey needs filter.programKey');
    const params = new SqlParams();
    const where: string[] = [];
    if (filter.programKey) {
      const programs = await ctx.loaders.programs();
      const published = programs.find((p) => p.program.key === filter.programKey);
      if (!published) throw new DomainError('NOT_FOUND', `no tier program with key "${filter.programKey}"`);
      if (filter.tierKey && !published.tiers.some((t) => t.key === filter.tierKey)) {
        throw new DomainError('NOT_FOUND', `program "${filter.programKey}" has no tier "${filter.tierKey}"`);
      }
      const tierKeys = published.tiers.map((t) => t.key);
      const overrideTier = activeOverrideTier(published.program.id, params);
      if (published.program.retieredVersion === published.version.version) {
        const shown = storedWithOverride('a.tier_key', overrideTier, tierKeys, params);
        const tier = filter.tierKey ? ` AND ${shown} = ${params.add(filter.tierKey, 'text')}` : '';
        where.push(`EXISTS (SELECT 1 FROM tier_assignment a WHERE a.customer_id = c.id AND a.program_id = ${params.add(published.program.id, 'uuid')}${tier})`);
      } else {
        const classification = withOverride(compileSqlClassifier(published.evaluator.definition, 'c.facts', params), overrideTier, tierKeys, params);
        where.push(filter.tierKey ? `${classification} = ${params.add(filter.tierKey, 'text')}` : `${classification} <> ${params.add(SQL_OUTSIDE, 'text')}`);
      }
    }
    if (filter.segment) where.push(`c.segment = ${params.add(filter.segment, 'text')}`);
    const conditions = (extra: string[]) => (extra.length ? `WHERE ${extra.join(' AND ')}` : '');
    const count = async () => {
      const [{ count: total }] = await ctx.db.query(`SELECT count(*)::int AS count FROM customer c ${conditions(where)}`, params.values);
      return total as number;
    };
    const pageParams = new SqlParams(params.values.length);
    const pageWhere = afterId ? [...where, `c.id > ${pageParams.add(afterId, 'uuid')}`] : where;
    const limit = pageParams.add(size + 1, 'int');
    const rows: Record<string, unknown>[] = await ctx.db.query(
      `SELECT c.* FROM customer c ${conditions(pageWhere)} ORDER BY c.id LIMIT ${limit}`,
      [...params.values, ...pageParams.values],
    );
    return toConnection(rows.map((row) => customerFromRow(ctx, row)), size, (c) => c.id, count);
  }

  /** Creates or replaces a customer by externalId, then re-evaluates and records its tiers. */
  async upsert(tx: Context, input: CustomerUpsertInput): Promise<CustomerWrite> {
    throwIfAny(this.facts.check(await this.facts.catalog(tx), input.facts, ['input', 'facts'], false));
    const rows: Record<string, unknown>[] = await tx.db.query(
      `INSERT INTO customer (external_id, name, segment, facts) VALUES ($1, $2, $3, $4)
       ON CONFLICT (external_id) DO UPDATE
         SET name = EXCLUDED.name, segment = EXCLUDED.segment, facts = EXCLUDED.facts,
             version = customer.version + 1, updated_at = now()
       RETURNING *`,
      [input.externalId, input.name, input.segment ?? null, JSON.stringify(input.facts)],
    );
    return this.recorded(tx, rows[0]);
  }

  /** Merge patch: listed facts are set, a null value removes the fact. */
  async updateFacts(tx: Context, id: string, patch: Record<string, unknown>): Promise<CustomerWrite> {
    throwIfAny(this.facts.check(await this.facts.catalog(tx), patch, ['facts'], true));
    const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== null));
    const removed = Object.keys(patch).filter((k) => patch[k] === null);
    const [rows]: [Record<string, unknown>[], number] = isUuid(id)
      ? await tx.db.query(
          `UPDATE customer SET facts = (facts || $2::jsonb) - $3::text[], version = version + 1, updated_at = now()
            WHERE id = $1 RETURNING *`,
          [id, JSON.stringify(set), removed],
        )
      : [[], 0];
    if (rows.length === 0) throwIfAny([userError('NOT_FOUND', ['id'], `no customer with id "${id}"`)]);
    return this.recorded(tx, rows[0]);
  }

  async delete(tx: Context, id: string): Promise<string> {
    const [, deleted]: [unknown, number] = isUuid(id) ? await tx.db.query('DELETE FROM customer WHERE id = $1', [id]) : [[], 0];
    if (deleted === 0) throwIfAny([userError('NOT_FOUND', ['id'], `no customer with id "${id}"`)]);
    return id;
  }

  private async recorded(tx: Context, row: Record<string, unknown>): Promise<CustomerWrite> {
    const customer = customerFromRow(tx, row);
    const tierChanges = await this.evaluation.recordCustomer(tx, customer, TierChangeCause.CUSTOMER_UPDATE);
    return { customer, tierChanges };
  }
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
