import { Context } from '../context';
import { Customer } from '../customers/customer.entity';
import { Facts, nextTierUp } from '../engine';
import { CustomerClassification } from '../loaders';
import { PublishedProgram } from '../programs/program-registry';
import { Connection, decodeCursor, pageSize, toConnection } from '../shared/pagination';
import { AssignmentSource, TierAssignment, TierExplanation } from './tier-assignment.types';
import { TierChange, TierChangeCause } from './tier-change.entity';

const FIRST_ID = '00000000-0000-0000-0000-000000000000';
const RECORD_CHUNK = 2_000;

/** A customer's fresh classification in one program beside what was stored. */
interface Reconcilable {
  customerId: string;
  published: PublishedProgram;
  applies: boolean;
  tierKey: string | null;
  /** Whether an assignment was stored, and its tier. */
  had: boolean;
  before: string | null;
}

/** Live evaluation for reads; evaluation plus stored assignments and history for writes. */
export class EvaluationService {
  /** The customer's tiers in every program that covers them, from the current facts. */
  async liveAssignments(ctx: Context, customer: Customer): Promise<TierAssignment[]> {
    const classifications = await ctx.loaders.classifications.load(customer);
    return classifications.filter((c) => c.classification.applies).map((c) => toAssignment(c, customer.facts));
  }

  async liveAssignment(ctx: Context, customer: Customer, programKey: string): Promise<TierAssignment | null> {
    const assignments = await this.liveAssignments(ctx, customer);
    return assignments.find((a) => a.program.key === programKey) ?? null;
  }

  /** What-if: evaluates arbitrary facts against a program; writes nothing. */
  async evaluateFacts(ctx: Context, published: PublishedProgram, facts: Facts): Promise<TierAssignment> {
    return toAssignment({ published, classification: await published.evaluator.classify(facts), override: null }, facts);
  }

  /**
   * Why the assignment's facts get their tier: json-rules-engine's own evaluated condition
   * trees (it is the reference the compiled rules are tested against) and the next tier up.
   */
  async explain(assignment: TierAssignment): Promise<TierExplanation> {
    const { published } = assignment;
    const evaluation = await published.evaluator.evaluate(assignment.facts);
    return {
      matchedTierKey: evaluation.matchedTierKey,
      outcomes: evaluation.outcomes,
      appliesTo: evaluation.appliesTo,
      nextTier: evaluation.applies ? nextTierUp(evaluation.outcomes, new Map(published.tiers.map((t) => [t.key, t.rank])), evaluation.matchedTierKey) : null,
      fallbacks: evaluation.fallbacks,
    };
  }

  /** The customer's tier changes, newest first. */
  async history(ctx: Context, customerId: string, programKey: string | null, first?: number | null, after?: string | null): Promise<Connection<TierChange>> {
    const size = pageSize(first);
    const before = decodeCursor(after, /^\d+$/);
    const query = ctx.db.createQueryBuilder(TierChange, 'h').where('h.customer_id = :customerId', { customerId });
    if (programKey) query.andWhere('h.program_key = :programKey', { programKey });
    const count = () => query.clone().getCount();
    if (before) query.andWhere('h.id < :before', { before });
    const rows = await query.orderBy('h.id', 'DESC').limit(size + 1).getMany();
    return toConnection(rows, size, (h) => h.id, count);
  }

  /**
   * Re-evaluates one customer in every program and stores the result: assignments are
   * upserted, removed where a program no longer covers the customer, and a history row is
   * appended wherever the tier changed. Call inside the mutation's transaction.
   */
  async recordCustomer(tx: Context, customer: Customer, cause: TierChangeCause): Promise<TierChange[]> {
    const classifications = await tx.loaders.classifications.load(customer);
    const stored: { program_id: string; tier_key: string | null }[] = await tx.db.query(
      'SELECT program_id, tier_key FROM tier_assignment WHERE customer_id = $1',
      [customer.id],
    );
    const previous = new Map(stored.map((s) => [s.program_id, s.tier_key]));
    return this.reconcile(
      tx,
      classifications.map(({ published, classification }) => ({
        customerId: customer.id,
        published,
        applies: classification.applies,
        tierKey: classification.tierKey,
        had: previous.has(published.program.id),
        before: previous.get(published.program.id) ?? null,
      })),
      cause,
      TierChangeCause.CREATED,
    );
  }

  /**
   * Evaluates every customer against a newly published program version and stores the
   * assignments and history rows, in keyset-ordered chunks. Runs in the caller's transaction.
   */
  async recordProgram(tx: Context, published: PublishedProgram, cause: TierChangeCause, onChunk?: (customers: number) => void): Promise<number> {
    let after: string | null = null;
    let changed = 0;
    for (;;) {
      const chunk = await this.recordChunk(tx, published, after, RECORD_CHUNK, cause, false);
      if (chunk.customers === 0) return changed;
      after = chunk.lastId;
      changed += chunk.changes;
      onChunk?.(chunk.customers);
    }
  }

  /**
   * Re-evaluates the next `size` customers after `after` (by id) in one program and stores
   * what changed. With `lock`, the customers are locked first, so a concurrent write to one
   * of them waits and then evaluates with this version itself.
   */
  async recordChunk(
    tx: Context,
    published: PublishedProgram,
    after: string | null,
    size: number,
    cause: TierChangeCause,
    lock: boolean,
  ): Promise<{ customers: number; lastId: string | null; changes: number }> {
    const customers: { id: string; facts: Facts }[] = await tx.db.query(
      `SELECT id, facts FROM customer WHERE id > $1 ORDER BY id LIMIT $2${lock ? ' FOR UPDATE' : ''}`,
      [after ?? FIRST_ID, size],
    );
    if (customers.length === 0) return { customers: 0, lastId: null, changes: 0 };
    const stored: { customer_id: string; tier_key: string | null }[] = await tx.db.query(
      // Joined to the chunk's ids so each is one primary-key probe; `customer_id = ANY(…)`
      // was planned as a scan of the program's whole (program_id, tier_key) index range.
      `SELECT a.customer_id, a.tier_key FROM unnest($2::uuid[]) AS chunk(id)
         JOIN tier_assignment a ON a.customer_id = chunk.id AND a.program_id = $1`,
      [published.program.id, customers.map((c) => c.id)],
    );
    const previous = new Map(stored.map((a) => [a.customer_id, a.tier_key]));
    const items: Reconcilable[] = [];
    for (const c of customers) {
      const { applies, tierKey } = await published.evaluator.classify(c.facts);
      items.push({ customerId: c.id, published, applies, tierKey, had: previous.has(c.id), before: previous.get(c.id) ?? null });
    }
    const changes = await this.reconcile(tx, items, cause, cause);
    return { customers: customers.length, lastId: customers[customers.length - 1].id, changes: changes.length };
  }

  /**
   * Brings stored assignments in line with fresh classifications, writing only what
   * changed: a covered customer's new tier, the removal of an assignment whose program no
   * longer covers the customer, and one history row per change (`firstCause` for a first
   * assignment).
   */
  private async reconcile(tx: Context, items: Reconcilable[], cause: TierChangeCause, firstCause: TierChangeCause): Promise<TierChange[]> {
    const store: { customerId: string; programId: string; tierKey: string | null; version: number }[] = [];
    const remove: { customerId: string; programId: string }[] = [];
    const changes: TierChange[] = [];
    for (const { customerId, published, applies, tierKey, had, before } of items) {
      const programId = published.program.id;
      if (applies) {
        if (!had || before !== tierKey) {
          store.push({ customerId, programId, tierKey, version: published.version.version });
          changes.push(change(customerId, published, before, tierKey, had ? cause : firstCause));
        }
      } else if (had) {
        remove.push({ customerId, programId });
        changes.push(change(customerId, published, before, null, cause));
      }
    }
    await this.storeAssignments(tx, store);
    await this.removeAssignments(tx, remove);
    return this.appendHistory(tx, changes);
  }

  private async storeAssignments(tx: Context, rows: { customerId: string; programId: string; tierKey: string | null; version: number }[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.db.query(
      `INSERT INTO tier_assignment (customer_id, program_id, tier_key, rule_version, source, evaluated_at)
       SELECT u.customer_id, u.program_id, u.tier_key, u.rule_version, 'RULE', now()
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[]) AS u(customer_id, program_id, tier_key, rule_version)
       ON CONFLICT (customer_id, program_id) DO UPDATE
         SET tier_key = EXCLUDED.tier_key, rule_version = EXCLUDED.rule_version, evaluated_at = EXCLUDED.evaluated_at`,
      [rows.map((r) => r.customerId), rows.map((r) => r.programId), rows.map((r) => r.tierKey), rows.map((r) => r.version)],
    );
  }

  private async removeAssignments(tx: Context, rows: { customerId: string; programId: string }[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.db.query(
      `DELETE FROM tier_assignment a USING unnest($1::uuid[], $2::uuid[]) AS d(customer_id, program_id)
        WHERE a.customer_id = d.customer_id AND a.program_id = d.program_id`,
      [rows.map((r) => r.customerId), rows.map((r) => r.programId)],
    );
  }

  /** Appends one history row outside a re-evaluation (an override set or revoked). */
  async recordChange(tx: Context, customerId: string, published: PublishedProgram, from: string | null, to: string | null, cause: TierChangeCause): Promise<TierChange[]> {
    return this.appendHistory(tx, [change(customerId, published, from, to, cause)]);
  }

  private async appendHistory(tx: Context, changes: TierChange[]): Promise<TierChange[]> {
    if (changes.length === 0) return changes;
    const rows: { id: string; at: Date }[] = await tx.db.query(
      `INSERT INTO tier_change (customer_id, program_id, program_key, from_tier_key, to_tier_key, cause, rule_version)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[])
       RETURNING id, at`,
      [
        changes.map((c) => c.customerId),
        changes.map((c) => c.programId),
        changes.map((c) => c.programKey),
        changes.map((c) => c.fromTierKey),
        changes.map((c) => c.toTierKey),
        changes.map((c) => c.cause),
        changes.map((c) => c.ruleVersion),
      ],
    );
    rows.forEach((row, i) => Object.assign(changes[i], row));
    return changes;
  }
}

function change(customerId: string, published: PublishedProgram, from: string | null, to: string | null, cause: TierChangeCause): TierChange {
  return Object.assign(new TierChange(), {
    customerId,
    programId: published.program.id,
    programKey: published.program.key,
    fromTierKey: from,
    toTierKey: to,
    cause,
    ruleVersion: published.version.version,
  });
}

/** The tier a customer shows: an active override's, else the rules'. */
export function effectiveTierKey({ classification, override }: Pick<CustomerClassification, 'classification' | 'override'>): string | null {
  if (!classification.applies) return null;
  return override ? override.tierKey : classification.tierKey;
}

function toAssignment({ published, classification, override }: CustomerClassification, facts: Facts): TierAssignment {
  const tierKey = effectiveTierKey({ classification, override });
  return {
    program: published.program,
    tier: published.tiers.find((t) => t.key === tierKey) ?? null,
    ruleVersion: published.version.version,
    source: override ? AssignmentSource.OVERRIDE : AssignmentSource.RULE,
    override,
    evaluatedAt: new Date(),
    facts,
    published,
  };
}
