import { Context } from '../context';
import { Customer } from '../customers/customer.entity';
import { Facts, SQL_NO_TIER, SQL_OUTSIDE, SqlParams, nextTierUp, sqlClassifications } from '../engine';
import { CustomerClassification } from '../loaders';
import { PublishedProgram } from '../programs/program-registry';
import { Connection, decodeCursor, pageSize, toConnection } from '../shared/pagination';
import { AssignmentSource, TierAssignment, TierExplanation } from './tier-assignment.types';
import { TierChange, TierChangeCause } from './tier-change.entity';

const FIRST_ID = '00000000-0000-0000-0000-000000000000';
/** Staged customers written per statement: large enough to amortise, small enough for short locks. */
const RECORD_CHUNK = 20_000;

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
   * Assigns every customer a newly created program's tiers (or catches stored assignments
   * up with a version), in the caller's transaction: staged in one set-based statement, then
   * written in chunks. No lock is taken on customers: the caller must keep customer writes
   * out (program creation holds `LOCK TABLE customer IN SHARE MODE`).
   */
  async recordProgram(tx: Context, published: PublishedProgram, cause: TierChangeCause, onChunk?: (applied: number, staged: number) => void): Promise<number> {
    // Classifying every customer may outlast the per-statement limit meant for requests.
    await tx.db.query('SET LOCAL statement_timeout = 0');
    const { staged } = await this.stageRetier(tx, published, { dropOnCommit: true });
    let after: string | null = null;
    let applied = 0;
    let changes = 0;
    for (;;) {
      const chunk = await this.applyStaged(tx, published, after, RECORD_CHUNK, cause, false);
      if (chunk.staged === 0) return changes;
      after = chunk.lastId;
      applied += chunk.staged;
      changes += chunk.changes;
      onChunk?.(applied, staged);
    }
  }

  /**
   * Stages, in a temp table of this session (`retier_stage`), every customer whose stored
   * assignment in the program differs from the version's classification, plus those SQL
   * cannot classify: one set-based statement over the facts JSONB, the rules compiled to
   * SQL, the stored assignments hash-joined in. Nothing is held in Node, and customers
   * already up to date are simply not staged, so staging again after a crash leaves exactly
   * the work that remains.
   */
  async stageRetier(tx: Context, published: PublishedProgram, { dropOnCommit }: { dropOnCommit: boolean }): Promise<{ customers: number; staged: number }> {
    await tx.db.query('DROP TABLE IF EXISTS pg_temp.retier_stage');
    await tx.db.query(
      `CREATE TEMP TABLE retier_stage (id uuid PRIMARY KEY, version int NOT NULL, k text, before text, had boolean NOT NULL)${dropOnCommit ? ' ON COMMIT DROP' : ''}`,
    );
    const params = new SqlParams();
    const classified = sqlClassifications('SELECT c.id, c.version, c.facts FROM customer c', ['id', 'version'], [published.evaluator.definition], params);
    const [row]: { customers: number; staged: number }[] = await tx.db.query(
      `WITH staged AS (
         INSERT INTO retier_stage
         SELECT x.id, x.version, x.k0, a.tier_key, a.customer_id IS NOT NULL
           FROM (${classified}) x
           LEFT JOIN tier_assignment a ON a.customer_id = x.id AND a.program_id = ${params.add(published.program.id, 'uuid')}
          WHERE x.k0 IS NULL
             OR CASE WHEN x.k0 = '${SQL_OUTSIDE}' THEN a.customer_id IS NOT NULL
                     ELSE a.customer_id IS NULL OR a.tier_key IS DISTINCT FROM NULLIF(x.k0, '${SQL_NO_TIER}') END
         RETURNING 1)
       SELECT (SELECT count(*)::int FROM customer) AS customers, (SELECT count(*)::int FROM staged) AS staged`,
      params.values,
    );
    await tx.db.query('ANALYZE retier_stage');
    return row;
  }

  /**
   * Writes the next `size` staged customers after `after` (by id): new assignments, changed
   * tiers and removals, one history row for each write, in one statement. A write happens
   * only where the stored assignment is still the one staged, so applying twice (another
   * worker, a retry) writes nothing twice. With `lock`, each customer is locked and skipped
   * if written since it was staged: that write classified it under this version itself.
   * Customers SQL could not classify are classified here, in Node, under lock.
   */
  async applyStaged(
    tx: Context,
    published: PublishedProgram,
    after: string | null,
    size: number,
    cause: TierChangeCause,
    lock: boolean,
  ): Promise<{ staged: number; lastId: string | null; changes: number }> {
    const params = new SqlParams();
    const program = params.add(published.program.id, 'uuid');
    const version = params.add(published.version.version, 'int');
    const locked = lock
      ? // Only staged customers are locked; `= ANY(ARRAY(…))` keeps it to primary-key probes.
        `SELECT b.* FROM batch b JOIN customer c ON c.id = b.id AND c.version = b.version
          WHERE c.id = ANY(ARRAY(SELECT id FROM batch WHERE k IS NOT NULL)) FOR UPDATE OF c`
      : 'SELECT * FROM batch WHERE k IS NOT NULL';
    const [row]: { staged: number; last_id: string | null; changes: number; undecided: string[] | null }[] = await tx.db.query(
      `WITH batch AS MATERIALIZED (SELECT * FROM retier_stage WHERE id > ${params.add(after ?? FIRST_ID, 'uuid')} ORDER BY id LIMIT ${params.add(size, 'int')}),
       locked AS MATERIALIZED (${locked}),
       updated AS (
         UPDATE tier_assignment a SET tier_key = NULLIF(l.k, '${SQL_NO_TIER}'), rule_version = ${version}, evaluated_at = now()
           FROM locked l
          WHERE l.had AND l.k <> '${SQL_OUTSIDE}' AND a.customer_id = l.id AND a.program_id = ${program} AND a.tier_key IS NOT DISTINCT FROM l.before
         RETURNING a.customer_id),
       inserted AS (
         INSERT INTO tier_assignment (customer_id, program_id, tier_key, rule_version, source, evaluated_at)
         SELECT id, ${program}, NULLIF(k, '${SQL_NO_TIER}'), ${version}, 'RULE', now() FROM locked WHERE NOT had AND k <> '${SQL_OUTSIDE}'
         ON CONFLICT (customer_id, program_id) DO NOTHING
         RETURNING customer_id),
       removed AS (
         DELETE FROM tier_assignment a USING locked l
          WHERE l.had AND l.k = '${SQL_OUTSIDE}' AND a.customer_id = l.id AND a.program_id = ${program} AND a.tier_key IS NOT DISTINCT FROM l.before
         RETURNING a.customer_id),
       written AS (SELECT customer_id FROM updated UNION ALL SELECT customer_id FROM inserted UNION ALL SELECT customer_id FROM removed),
       history AS (
         INSERT INTO tier_change (customer_id, program_id, program_key, from_tier_key, to_tier_key, cause, rule_version)
         SELECT l.id, ${program}, ${params.add(published.program.key, 'text')}, l.before,
                CASE WHEN l.k IN ('${SQL_NO_TIER}', '${SQL_OUTSIDE}') THEN NULL ELSE l.k END,
                ${params.add(cause, 'text')}, ${version}
           FROM locked l JOIN written w ON w.customer_id = l.id ORDER BY l.id)
       SELECT (SELECT count(*)::int FROM batch) AS staged, (SELECT id FROM batch ORDER BY id DESC LIMIT 1) AS last_id,
              (SELECT count(*)::int FROM written) AS changes, (SELECT array_agg(id ORDER BY id) FROM batch WHERE k IS NULL) AS undecided`,
      params.values,
    );
    const undecided = row.undecided?.length ? await this.recordCustomers(tx, published, row.undecided, cause, lock) : 0;
    return { staged: row.staged, lastId: row.last_id, changes: row.changes + undecided };
  }

  /** Classifies the given customers in Node (the rows SQL cannot decide) and stores what changed. */
  private async recordCustomers(tx: Context, published: PublishedProgram, ids: string[], cause: TierChangeCause, lock: boolean): Promise<number> {
    const customers: { id: string; facts: Facts }[] = await tx.db.query(
      `SELECT id, facts FROM customer WHERE id = ANY($1::uuid[]) ORDER BY id${lock ? ' FOR UPDATE' : ''}`,
      [ids],
    );
    const stored: { customer_id: string; tier_key: string | null }[] = await tx.db.query(
      'SELECT customer_id, tier_key FROM tier_assignment WHERE program_id = $1 AND customer_id = ANY($2::uuid[])',
      [published.program.id, ids],
    );
    const previous = new Map(stored.map((a) => [a.customer_id, a.tier_key]));
    const items: Reconcilable[] = [];
    for (const c of customers) {
      const { applies, tierKey } = await published.evaluator.classify(c.facts);
      items.push({ customerId: c.id, published, applies, tierKey, had: previous.has(c.id), before: previous.get(c.id) ?? null });
    }
    return (await this.reconcile(tx, items, cause, cause)).length;
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
