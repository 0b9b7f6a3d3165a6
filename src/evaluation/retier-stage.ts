import { Context } from '../context';
import { Facts, SQL_NO_TIER, SQL_OUTSIDE, SqlParams, sqlClassifications } from '../engine';
import type { PublishedProgram } from '../programs/program-registry';
import { EvaluationService, Reconcilable } from './evaluation.service';
import { activeOverrideJoin, shownTierSql, storedShownTierSql, tierKeyOfSql } from './shown-tier';
import { TierChangeCause } from './tier-change.entity';
import { EventLog } from '../events/event-log';
import { EventType } from '../events/event.entity';
import { HISTORY_RETURNING, tierChangedEventsSql } from './evaluation-events';
import { timingHolds } from '../rules/time-policy';

const FIRST_ID = '00000000-0000-0000-0000-000000000000';

export interface StagedChunk {
  /** Staged customers read by this chunk; fewer than asked for means the stage is used up. */
  staged: number;
  lastId: string | null;
  /** Assignments written (the rules' verdict changed). */
  changes: number;
}

/**
 * The set-based form of EvaluationService.reconcile: how a re-tier writes a program version's
 * verdicts for every customer. `withStage` stages, in a temp table of the session's own
 * connection, every customer whose stored assignment differs from the version's verdict (one
 * statement over the facts JSONB, the rules compiled to SQL); `applyChunk` writes the next
 * staged customers, each under lock, with a history row wherever the shown tier changes.
 * Customers already up to date are not staged, so staging again after a crash leaves exactly
 * the work that remains. The retier/ runner is the one caller.
 */
export class RetierStage {
  constructor(
    private readonly evaluation: EvaluationService,
    private readonly events: EventLog,
  ) {}

  /** The re-tier's summary, in its last chunk's transaction: one event however many customers moved. */
  finished(tx: Context, published: PublishedProgram, job: { id: string; cause: TierChangeCause; changed: number; total: number }): Promise<void> {
    return this.events.append(tx, [
      {
        type: EventType.RETIER_FINISHED,
        customerId: null,
        programKey: published.program.key,
        payload: { program: published.program.key, version: published.version.version, retierJobId: job.id, cause: job.cause, customers: job.total, changed: job.changed },
      },
    ]);
  }

  /** Stages the version's changes on `session` (one connection), runs `work`, and drops the stage. */
  async withStage<T>(session: Context, published: PublishedProgram, work: (staged: { customers: number; staged: number }) => Promise<T>): Promise<T> {
    await session.db.query('DROP TABLE IF EXISTS pg_temp.retier_stage');
    try {
      await session.db.query('CREATE TEMP TABLE retier_stage (id uuid PRIMARY KEY, version int NOT NULL, k text, before text, had boolean NOT NULL)');
      const params = new SqlParams();
      const classified = sqlClassifications('SELECT c.id, c.version, c.facts FROM customer c', ['id', 'version'], [published.evaluator.definition], params);
      // Under a time policy that can hold tiers, the Node form decides every staged row
      // (k NULL). Held customers are staged for it whatever the version: a new policy may
      // change when their tiers fall, and one that holds nothing drops them at once.
      const holds = timingHolds(published.timing);
      const [row]: { customers: number; staged: number }[] = await session.db.query(
        `WITH staged AS (
           INSERT INTO retier_stage
           SELECT x.id, x.version, ${holds ? 'NULL' : 'CASE WHEN a.held_tier_key IS NULL THEN x.k0 END'}, a.tier_key, a.customer_id IS NOT NULL
             FROM (${classified}) x
             LEFT JOIN tier_assignment a ON a.customer_id = x.id AND a.program_id = ${params.add(published.program.id, 'uuid')}
            WHERE x.k0 IS NULL OR a.held_tier_key IS NOT NULL
               OR CASE WHEN x.k0 = '${SQL_OUTSIDE}' THEN a.customer_id IS NOT NULL
                       ELSE a.customer_id IS NULL OR a.tier_key IS DISTINCT FROM NULLIF(x.k0, '${SQL_NO_TIER}') END
            -- In the order chunks read them: a chunk's rows then sit on a few pages, not one page
            -- each of a stage larger than the session's temp buffers.
            ORDER BY x.id
           RETURNING 1)
         SELECT (SELECT count(*)::int FROM customer) AS customers, (SELECT count(*)::int FROM staged) AS staged`,
        params.values,
      );
      await session.db.query('ANALYZE retier_stage');
      return await work(row);
    } finally {
      await session.db.query('DROP TABLE IF EXISTS pg_temp.retier_stage').catch(() => undefined);
    }
  }

  /**
   * Writes the next `size` staged customers after `after` (by id) in the caller's transaction
   * on the staging session: new assignments, changed tiers and removals in one statement.
   * Each customer's tier state is locked (its assignments, or the customer row where it has
   * none) and a customer written since it was staged is skipped (that write evaluated it
   * under this version itself); a write happens only where the stored assignment is still
   * the one staged, so applying twice (another worker, a retry) writes nothing twice.
   * Customers SQL could not classify are classified here, in Node, under the same locks.
   * A customer the program covers is not read at all: the chunk touches its assignment and
   * history only.
   */
  async applyChunk(tx: Context, published: PublishedProgram, after: string | null, size: number, cause: TierChangeCause): Promise<StagedChunk> {
    // Locked as every writer locks them (settleTime): customers the program does not cover yet
    // have no assignment to hold, so their rows stand in, first; then every assignment of the chunk.
    const chunk: { id: string; had: boolean }[] = await tx.db.query('SELECT id, had FROM retier_stage WHERE id > $1 ORDER BY id LIMIT $2', [after ?? FIRST_ID, size]);
    const uncovered = chunk.filter((c) => !c.had).map((c) => c.id);
    if (uncovered.length) await tx.db.query('SELECT id FROM customer WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [uncovered]);
    await this.evaluation.settleTime(tx, chunk.map((c) => c.id));
    const params = new SqlParams();
    const program = params.add(published.program.id, 'uuid');
    const version = params.add(published.version.version, 'int');
    const now = params.add(tx.deps.clock.now(), 'timestamptz');
    const before = `CASE WHEN l.had THEN ${storedShownTierSql(published, 'l.before', 'l.override_tier', params)} ELSE '${SQL_OUTSIDE}' END`;
    const shown = shownTierSql(published, 'l.k', 'l.override_tier', params);
    const [row]: { staged: number; last_id: string | null; changes: number; undecided: string[] | null }[] = await tx.db.query(
      `WITH batch AS MATERIALIZED (SELECT * FROM retier_stage WHERE id > ${params.add(after ?? FIRST_ID, 'uuid')} ORDER BY id LIMIT ${params.add(size, 'int')}),
       -- A customer written since it was staged is left out: that write evaluated it under this
       -- version, as its assignment says (every write evaluates after the publish it follows,
       -- and stores the version it used); one the program covers for the first time has no
       -- assignment yet, so its customer row's version tells.
       locked AS MATERIALIZED (
         SELECT b.*, o.tier_key AS override_tier FROM batch b
           ${activeOverrideJoin(published.program.id, params, 'b.id', tx.deps.clock.now())}
          WHERE b.k IS NOT NULL AND (b.had OR EXISTS (SELECT 1 FROM customer c WHERE c.id = b.id AND c.version = b.version))),
       updated AS (
         UPDATE tier_assignment a SET tier_key = NULLIF(l.k, '${SQL_NO_TIER}'), rule_version = ${version}, evaluated_at = ${now},
                tier_since = ${now}, held_tier_key = NULL, below_since = NULL, drop_at = NULL
           FROM locked l
          WHERE l.had AND l.k <> '${SQL_OUTSIDE}' AND a.customer_id = l.id AND a.program_id = ${program} AND a.tier_key IS NOT DISTINCT FROM l.before
            AND a.rule_version < ${version}
         RETURNING a.customer_id),
       inserted AS (
         INSERT INTO tier_assignment (customer_id, program_id, tier_key, rule_version, source, evaluated_at, tier_since)
         SELECT id, ${program}, NULLIF(k, '${SQL_NO_TIER}'), ${version}, 'RULE', ${now}, ${now} FROM locked WHERE NOT had AND k <> '${SQL_OUTSIDE}'
         ON CONFLICT (customer_id, program_id) DO NOTHING
         RETURNING customer_id),
       removed AS (
         DELETE FROM tier_assignment a USING locked l
          WHERE l.had AND l.k = '${SQL_OUTSIDE}' AND a.customer_id = l.id AND a.program_id = ${program} AND a.tier_key IS NOT DISTINCT FROM l.before
            AND a.rule_version < ${version}
         RETURNING a.customer_id),
       written AS (SELECT customer_id FROM updated UNION ALL SELECT customer_id FROM inserted UNION ALL SELECT customer_id FROM removed),
       moves AS (SELECT l.id, ${before} AS from_code, ${shown} AS to_code, l.k, l.had FROM locked l JOIN written w ON w.customer_id = l.id),
       history AS (
         INSERT INTO tier_change (customer_id, program_id, program_key, from_tier_key, to_tier_key, rules_tier_key, cause, rule_version, at)
         SELECT m.id, ${program}, ${params.add(published.program.key, 'text')}, ${tierKeyOfSql('m.from_code')}, ${tierKeyOfSql('m.to_code')}, ${tierKeyOfSql('m.k')},
                ${params.add(cause, 'text')}, ${version}, ${now}
           FROM moves m WHERE m.from_code IS DISTINCT FROM m.to_code ORDER BY m.id
         ${HISTORY_RETURNING}),
       ${tierChangedEventsSql(this.events, 'history', now)}
       SELECT (SELECT count(*)::int FROM batch) AS staged, (SELECT id FROM batch ORDER BY id DESC LIMIT 1) AS last_id,
              (SELECT count(*)::int FROM written) AS changes, (SELECT array_agg(id ORDER BY id) FROM batch WHERE k IS NULL) AS undecided`,
      params.values,
    );
    const undecided = row.undecided?.length ? await this.reconcileInNode(tx, published, row.undecided, cause) : 0;
    return { staged: row.staged, lastId: row.last_id, changes: row.changes + undecided };
  }

  /** The rows SQL could not decide, through the Node form (applyChunk holds their locks); returns the assignments written. */
  private async reconcileInNode(tx: Context, published: PublishedProgram, ids: string[], cause: TierChangeCause): Promise<number> {
    const params = new SqlParams();
    const rows: {
      id: string;
      facts: Facts;
      tier_key: string | null;
      rule_version: number | null;
      had: boolean;
      override_tier: string | null;
      held_tier_key: string | null;
      tier_since: Date;
      below_since: Date | null;
      drop_at: Date | null;
    }[] = await tx.db.query(
      `SELECT c.id, c.facts, a.tier_key, a.rule_version, a.customer_id IS NOT NULL AS had, o.tier_key AS override_tier, a.held_tier_key, a.tier_since, a.below_since, a.drop_at
         FROM customer c
         LEFT JOIN tier_assignment a ON a.customer_id = c.id AND a.program_id = ${params.add(published.program.id, 'uuid')}
         ${activeOverrideJoin(published.program.id, params, 'c.id', tx.deps.clock.now())}
        WHERE c.id = ANY(${params.add(ids, 'uuid[]')}) ORDER BY c.id`,
      params.values,
    );
    const items: Reconcilable[] = [];
    let writes = 0;
    for (const c of rows) {
      const verdict = await published.evaluator.classify(c.facts);
      if (verdict.applies ? !c.had || c.tier_key !== verdict.tierKey : c.had) writes += 1;
      const stored = c.had
        ? { tierKey: c.tier_key, ruleVersion: c.rule_version!, state: { heldTierKey: c.held_tier_key, tierSince: c.tier_since, belowSince: c.below_since, dropAt: c.drop_at } }
        : null;
      items.push({ customerId: c.id, published, verdict, overrideTierKey: c.override_tier, stored });
    }
    await this.evaluation.reconcile(tx, items, cause, cause);
    return writes;
  }
}
