import { setImmediate } from 'node:timers/promises';
import { AuditService } from '../audit/audit.service';
import { Context } from '../context';
import { Classification, Facts, NextTier as EngineNextTier, SqlParams, flattenConditions, nextTierUp, requirementsOf } from '../engine';
import type { CustomerClassification, VersionTier } from '../loaders';
import { PublishedProgram } from '../programs/program-registry';
import type { Tier } from '../programs/tier.entity';
import { TierProgram } from '../programs/tier-program.entity';
import { FactService } from '../facts/fact.service';
import { DomainError } from '../shared/errors';
import { Connection, PageArgs, keyset, pageRequest, toConnection } from '../shared/pagination';
import { entityColumns } from '../shared/entity-rows';
import { countShownTiers } from './shown-tier-reads';
import { EvaluatedCustomer } from './evaluated-customer';
import { ShownTier, activeOverrideJoin, encodeTier, shownTier, storedShownTierSql, tierKeyOfSql } from './shown-tier';
import { AssignmentSource, HeldTier, NextTier, TierAsOf, TierAssignment, TierExplanation, TierStatus } from './tier-assignment.types';
import { HeldState, StoredAssignment, dropSql, heldStatus, heldStatusSql, policyStep } from './held-tier';
import { timingHolds } from '../rules/time-policy';
import { StoredVerdict, assignmentKey, storedAssignments } from './stored-assignments';
import { TierChange, TierChangeCause } from './tier-change.entity';
import { HISTORY_RETURNING, overrideEvent, tierChangedEventsSql } from './evaluation-events';
import { EventLog, NewEvent } from '../events/event-log';
import { EventType } from '../events/event.entity';
import { TierOverride, overrideActive } from './tier-override.entity';

export interface TierCountRow {
  tierKey: string | null;
  tier: Tier | null;
  count: number;
  share: number;
}


/** A customer's fresh verdict in one program beside what was stored. */
export interface Reconcilable {
  customerId: string;
  published: PublishedProgram;
  verdict: Classification;
  /** The customer's active override tier in the program, if any. */
  overrideTierKey: string | null;
  /** The assignment stored (the rules' verdict then, the held state, the version that decided it); null when none was. */
  stored: StoredVerdict | null;
}

/** An assignment to store: the rules' verdict and the time layer's state. */
interface StoredRow {
  customerId: string;
  programId: string;
  tierKey: string | null;
  version: number;
  state: HeldState;
}

function sameState(a: HeldState, b: HeldState): boolean {
  const instant = (d: Date | null) => d?.getTime() ?? null;
  return a.heldTierKey === b.heldTierKey && instant(a.tierSince) === instant(b.tierSince) && instant(a.belowSince) === instant(b.belowSince) && instant(a.dropAt) === instant(b.dropAt);
}

/** Which of time's changes to record: every one due (the scheduler, a batch at a time), or those of customers a write holds. */
export type ExpiryScope = { due: number } | { customerIds: readonly string[] };

/** Overrides whose expiry was recorded, and the history rows that wrote. */
export interface OverrideExpiries {
  expired: TierOverride[];
  tierChanges: TierChange[];
}

/** SQL condition on alias `o`: an override whose expiry instant (`now`, an SQL expression) has passed and is not yet recorded. */
function expiryDue(now: string): string {
  return `o.expires_at <= ${now} AND o.expires_at IS NOT NULL AND o.revoked_at IS NULL AND o.expiry_recorded_at IS NULL`;
}

/** Live evaluation for reads; evaluation plus stored assignments and history for writes. */
export class EvaluationService {
  constructor(
    private readonly facts: FactService,
    private readonly audit: AuditService,
    private readonly events: EventLog,
  ) {}

  /**
   * Records the overrides whose expiry instant has passed: marks each, appends a history row
   * where the shown tier changes (OVERRIDE_EXPIRED, at the expiry instant) and audits it.
   * Reads stop counting an override at its instant; this writes what that did. Every write
   * to a customer records the customer's due expiries first (settleTime), before it changes
   * facts or tiers, so the stored rules tier read here is still the one that stood at the
   * instant, and history chains. The scheduler locks the customers it records, as writers
   * do, skipping those a write holds (that write records them itself).
   */
  async settleOverrideExpiries(tx: Context, scope: ExpiryScope): Promise<OverrideExpiries> {
    const now = tx.deps.clock.now();
    let customerIds: readonly string[] = 'due' in scope ? [] : scope.customerIds;
    if ('due' in scope) {
      const locked: { id: string }[] = await tx.db.query(
        // = ANY(ARRAY(…)) keeps it to primary-key probes (IN would hash-join a scan of every customer).
        `SELECT c.id FROM customer c
          WHERE c.id = ANY(ARRAY(SELECT o.customer_id FROM tier_override o WHERE ${expiryDue('$1')} ORDER BY o.expires_at LIMIT $2))
          ORDER BY c.id FOR UPDATE OF c SKIP LOCKED`,
        [now, scope.due],
      );
      customerIds = locked.map((l) => l.id);
      await this.lockAssignments(tx, customerIds);
    }
    if (customerIds.length === 0) return { expired: [], tierChanges: [] };
    // A statement of its own, so it reads assignments as the writes that held the locks left them.
    const rows = (await tx.db.query(
      `WITH expired AS (
         UPDATE tier_override o SET expiry_recorded_at = $1 WHERE ${expiryDue('$1')} AND o.customer_id = ANY($2::uuid[]) RETURNING o.*)
       SELECT ${entityColumns(tx.db, TierOverride, 'e')}, a.tier_key AS "storedTier", a.rule_version AS "storedVersion", a.held_tier_key AS "storedHeld", a.customer_id IS NOT NULL AS "had"
         FROM expired e LEFT JOIN tier_assignment a ON a.customer_id = e.customer_id AND a.program_id = e.program_id
        ORDER BY e.expires_at, e.id`,
      [now, customerIds],
    )) as (TierOverride & { storedTier: string | null; storedVersion: number | null; storedHeld: string | null; had: boolean })[];
    if (rows.length === 0) return { expired: [], tierChanges: [] };
    const programs = await tx.loaders.programs();
    const changes: TierChange[] = [];
    const expired = rows.map(({ storedTier, storedVersion, storedHeld, had, ...override }) => {
      const published = programs.find((p) => p.program.id === override.programId);
      if (published) {
        const stored: Classification = had ? { applies: true, tierKey: storedTier } : { applies: false, tierKey: null };
        const from = shownTier(published, stored, override.tierKey, storedHeld);
        const to = shownTier(published, stored, null, storedHeld);
        if (encodeTier(from) !== encodeTier(to)) {
          changes.push(Object.assign(change(override.customerId, published, from.tierKey, to, TierChangeCause.OVERRIDE_EXPIRED), { at: override.expiresAt, ruleVersion: storedVersion }));
        }
      }
      return Object.assign(new TierOverride(), override);
    });
    await this.audit.recordMany(
      tx,
      expired.map((o) => ({ action: 'tierOverrideExpire', entityType: 'OVERRIDE', entityKey: o.id, before: { ...o, expiryRecordedAt: null }, after: o })),
    );
    const programKey = (o: TierOverride) => programs.find((p) => p.program.id === o.programId)?.program.key ?? null;
    await this.events.append(
      tx,
      expired.map((o) => overrideEvent(EventType.OVERRIDE_EXPIRED, o, programKey(o), null, o.expiresAt ?? undefined)),
    );
    return { expired, tierChanges: await this.appendHistory(tx, changes) };
  }

  /**
   * What time did to customers a write is about to change, recorded first: due expiries, then
   * due falls of held tiers. Locks first, in the one order every writer keeps: the caller
   * has locked the customers (a re-tier, those it covers for the first time), and here their
   * assignments are locked before anything reads them. A customer's assignment in a program
   * is its tier state there: whoever changes it holds it, so a re-tier needs no lock on
   * customers who have one, and the scheduler's review, which takes held assignments with
   * SKIP LOCKED, never waits for a writer nor lets fall a tier a writer is acting on.
   */
  async settleTime(tx: Context, customerIds: readonly string[]): Promise<void> {
    if (customerIds.length === 0) return;
    const locked = await this.lockAssignments(tx, customerIds);
    await this.settleOverrideExpiries(tx, { customerIds });
    const now = tx.deps.clock.now();
    const due = locked.filter((a) => a.heldTierKey !== null && a.dropAt !== null && a.dropAt <= now).map((a) => a.customerId);
    if (due.length) await this.settleDueDrops(tx, { customerIds: due });
  }

  /** Locks the customers' assignments (every program); answers which are held and when they fall. */
  private lockAssignments(tx: Context, customerIds: readonly string[]): Promise<{ customerId: string; heldTierKey: string | null; dropAt: Date | null }[]> {
    if (customerIds.length === 0) return Promise.resolve([]);
    return tx.db.query(
      `SELECT a.customer_id AS "customerId", a.held_tier_key AS "heldTierKey", a.drop_at AS "dropAt" FROM tier_assignment a
        WHERE a.customer_id = ANY($1::uuid[]) ORDER BY a.customer_id, a.program_id FOR UPDATE`,
      [customerIds],
    );
  }

  /**
   * Records the falls of held tiers that are due (a review or grace end has passed): the
   * tier falls one step or to the stored verdict, a history row REVIEW is appended where
   * the shown tier changes (at the instant it fell), and the next fall is set where a tier
   * stays held. Set-based, one statement per program and fall; the SQL form of dropsDue
   * (held-tier.ts). Like expiries, every write to a customer records the customer's due falls
   * first, so the stored verdict is the one of the instant. Returns how many falls were
   * recorded.
   */
  async settleDueDrops(tx: Context, scope: ExpiryScope): Promise<number> {
    const programs = (await tx.loaders.programs()).filter((p) => timingHolds(p.timing));
    const now = tx.deps.clock.now();
    let falls = 0;
    for (const published of programs) {
      if ('due' in scope) {
        falls += await this.dropOnce(tx, published, scope, now);
        continue;
      }
      // Each pass records one fall per customer; a tier held again whose next fall is due too goes once more.
      for (let pass = 0; pass <= published.timing.tiers.length; pass += 1) {
        const fell = await this.dropOnce(tx, published, scope, now);
        falls += fell;
        if (fell === 0) break;
      }
    }
    return falls;
  }

  /**
   * One fall of each due held tier in scope, in one statement that touches only the program's
   * assignments and history: the due assignments are read in the order they fall and locked
   * as read (the scheduler skips those a write holds; a write has locked its own), then
   * written through the row just locked. The facts of a REVIEW row are those in force at its
   * instant (facts history), so the customer is not read.
   */
  private async dropOnce(tx: Context, published: PublishedProgram, scope: ExpiryScope, now: Date): Promise<number> {
    const params = new SqlParams();
    const program = params.add(published.program.id, 'uuid');
    const nowParam = params.add(now, 'timestamptz');
    const which =
      'due' in scope
        ? `ORDER BY a.drop_at LIMIT ${params.add(scope.due, 'int')} FOR UPDATE OF a SKIP LOCKED`
        : `AND a.customer_id = ANY(${params.add(scope.customerIds, 'uuid[]')}) FOR UPDATE OF a`;
    const drop = dropSql(published.timing, { verdict: 'l.tier_key', held: 'l.held_tier_key', dropAt: 'l.drop_at' }, params);
    const before = storedShownTierSql(published, 'd.tier_key', 'd.override_tier', params, 'd.held_tier_key');
    const after = storedShownTierSql(published, 'd.tier_key', 'd.override_tier', params, 'CASE WHEN d.still_held THEN d.to_key END');
    const [row]: { fell: number }[] = await tx.db.query(
      `WITH l AS MATERIALIZED (
         SELECT a.ctid AS row, a.customer_id, a.tier_key, a.held_tier_key, a.drop_at, a.rule_version
           FROM tier_assignment a
          WHERE a.program_id = ${program} AND a.drop_at <= ${nowParam} AND a.held_tier_key IS NOT NULL ${which}),
       d AS MATERIALIZED (
         SELECT l.*, o.tier_key AS override_tier, ${drop.to} AS to_key, ${drop.stillHeld} AS still_held, ${drop.nextDropAt} AS next_drop
           FROM l ${activeOverrideJoin(published.program.id, params, 'l.customer_id', now)}),
       fallen AS (
         UPDATE tier_assignment a SET held_tier_key = CASE WHEN d.still_held THEN d.to_key END, tier_since = d.drop_at,
                below_since = CASE WHEN d.still_held THEN d.drop_at END, drop_at = d.next_drop
           FROM d WHERE a.ctid = d.row
         RETURNING a.customer_id),
       moves AS (SELECT d.*, ${before} AS from_code, ${after} AS to_code FROM d),
       history AS (
         INSERT INTO tier_change (customer_id, program_id, program_key, from_tier_key, to_tier_key, rules_tier_key, cause, rule_version, at)
         SELECT m.customer_id, ${program}, ${params.add(published.program.key, 'text')}, ${tierKeyOfSql('m.from_code')}, ${tierKeyOfSql('m.to_code')}, m.tier_key,
                '${TierChangeCause.REVIEW}', m.rule_version, m.drop_at
           FROM moves m WHERE m.from_code IS DISTINCT FROM m.to_code
         ${HISTORY_RETURNING}),
       ${tierChangedEventsSql(this.events, 'history', nowParam)}
       SELECT count(*)::int AS fell FROM fallen`,
      params.values,
    );
    return row.fell;
  }

  /**
   * SQL condition for lists: the customer (`customerId`, an SQL expression) shows a tier of
   * the program with this status, as the card says it (heldStatus): from the stored time
   * state; an override decides the tier instead, so its customers are ACTIVE.
   */
  tierStatusSql(ctx: Context, published: PublishedProgram, status: 'ACTIVE' | 'AT_RISK' | 'IN_GRACE', customerId: string, params: SqlParams): string {
    const now = params.add(ctx.deps.clock.now(), 'timestamptz');
    const program = params.add(published.program.id, 'uuid');
    const keys = params.add(
      published.tiers.map((t) => t.key),
      'text[]',
    );
    const held = timingHolds(published.timing)
      ? heldStatusSql(published.timing, { held: 'a.held_tier_key', belowSince: 'a.below_since', dropAt: 'a.drop_at' }, now, params)
      : `'ACTIVE'`;
    return `${params.add(status, 'text')} = (
      SELECT CASE WHEN EXISTS (SELECT 1 FROM tier_override o WHERE o.customer_id = a.customer_id AND o.program_id = a.program_id AND o.tier_key = ANY(${keys}) AND ${overrideActive('o', now)})
                    OR a.held_tier_key IS NULL OR NOT a.held_tier_key = ANY(${keys}) THEN 'ACTIVE' ELSE ${held} END
        FROM tier_assignment a WHERE a.customer_id = ${customerId} AND a.program_id = ${program})`;
  }

  /** The customer's tiers in every program that covers them, from the current facts. */
  async liveAssignments(ctx: Context, customer: EvaluatedCustomer): Promise<TierAssignment[]> {
    const classifications = await ctx.loaders.classifications.load(customer);
    return classifications.filter((c) => c.classification.applies).map((c) => toAssignment(c, customer.facts, ctx.deps.clock.now()));
  }

  async liveAssignment(ctx: Context, customer: EvaluatedCustomer, programKey: string): Promise<TierAssignment | null> {
    const assignments = await this.liveAssignments(ctx, customer);
    return assignments.find((a) => a.program.key === programKey) ?? null;
  }

  /** What-if: evaluates facts, checked against the catalog, in a program; writes nothing. */
  async whatIf(ctx: Context, programKey: string, facts: Facts): Promise<TierAssignment> {
    const published = (await ctx.loaders.programs()).find((p) => p.program.key === programKey);
    if (!published) throw new DomainError('NOT_FOUND', `no tier program with key "${programKey}"`);
    const problems = this.facts.check(await this.facts.catalog(ctx), facts, ['facts'], false);
    if (problems.length) throw new DomainError('BAD_USER_INPUT', problems.map((p) => `${p.field?.join('.')}: ${p.message}`).join('; '));
    return toAssignment({ published, classification: await published.evaluator.classify(facts), override: null, held: null, stored: null }, facts, ctx.deps.clock.now());
  }

  /** The program with this id or key as it is in force; null once it is gone. */
  async programInForce(ctx: Context, program: { id?: string; key?: string | null }): Promise<TierProgram | null> {
    return (await ctx.loaders.programs()).find((p) => p.program.id === program.id || p.program.key === program.key)?.program ?? null;
  }

  /** The tier with this key in the version of the program in force; null when that version has none. */
  async tierInForce(ctx: Context, program: { id?: string; key?: string | null }, tierKey: string | null): Promise<Tier | null> {
    if (tierKey === null) return null;
    const published = (await ctx.loaders.programs()).find((p) => p.program.id === program.id || p.program.key === program.key);
    return published?.tiers.find((t) => t.key === tierKey) ?? null;
  }

  /**
   * The tier with this key as the history of the program knew it at `version`: from the
   * newest version up to it that has the key (a change's from-tier may come from an older one).
   */
  async tierAsOf(ctx: Context, programId: string, version: number | null, tierKey: string | null): Promise<Tier | null> {
    if (tierKey === null) return null;
    const candidates = (await ctx.loaders.programTiers.load(programId)).filter((t) => t.tier.key === tierKey && (version === null || t.version <= version));
    return candidates.reduce<VersionTier | null>((newest, t) => (!newest || t.version > newest.version ? t : newest), null)?.tier ?? null;
  }

  /** How many customers the program covers per shown tier (null = no tier), highest rank first. */
  async distribution(ctx: Context, programId: string): Promise<TierCountRow[]> {
    const published = (await ctx.loaders.programs()).find((p) => p.program.id === programId);
    if (!published) return [];
    const counts = await countShownTiers(ctx, published);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const keys: (string | null)[] = [...published.tiers.map((t) => t.key), null];
    return keys.map((tierKey) => {
      const count = counts.get(tierKey) ?? 0;
      return { tierKey, tier: published.tiers.find((t) => t.key === tierKey) ?? null, count, share: total ? count / total : 0 };
    });
  }

  /**
   * Why the assignment's facts get their tier: every rule's evaluated condition tree as
   * json-rules-engine reports it (built by the compiled closures) and the next tier up.
   */
  explain(assignment: TierAssignment): Promise<TierExplanation> {
    return this.explainFacts(assignment.published, assignment.facts, assignment.held ? assignment.tier?.key ?? null : null);
  }

  /** The explanation of a past instant: under the version then in force, with the facts then; null without them. */
  async explainAt(asOf: TierAsOf): Promise<TierExplanation | null> {
    return asOf.published && asOf.facts ? this.explainFacts(asOf.published, asOf.facts) : null;
  }

  /**
   * The customer's tier in a program at a past instant: the last change at or before it
   * (the shown tier stays what a change made it until the next), with the version then in
   * force and the facts the customer had then. Now or later is the card's question,
   * answered live by `tier`.
   */
  async tierAt(ctx: Context, customerId: string, programKey: string, at: Date): Promise<TierAsOf> {
    if (at.getTime() > ctx.deps.clock.now().getTime()) throw new DomainError('BAD_USER_INPUT', `at: ${at.toISOString()} is in the future; the tier now is Customer.tier`);
    const program = await ctx.db.findOne(TierProgram, { where: { key: programKey } });
    if (!program) throw new DomainError('NOT_FOUND', `no tier program with key "${programKey}"`);
    const [published, facts, change] = [
      await ctx.deps.registry.atInstant(ctx.db, program.id, at),
      await this.factsAt(ctx, customerId, at),
      await ctx.db
        .createQueryBuilder(TierChange, 'h')
        // Instants travel in milliseconds, stored ones in microseconds: "at or before" means within the millisecond asked.
        .where(`h.customer_id = :customerId AND h.program_id = :programId AND h.at < :at::timestamptz + interval '1 millisecond'`, { customerId, programId: program.id, at })
        .orderBy('h.at', 'DESC')
        .addOrderBy('h.id', 'DESC')
        .getOne(),
    ];
    const tierKey = change?.toTierKey ?? null;
    return {
      at,
      program,
      tier: published?.tiers.find((t) => t.key === tierKey) ?? null,
      tierKey,
      rulesTierKey: change?.rulesTierKey ?? null,
      cause: change?.cause ?? null,
      change: change ?? null,
      version: published?.version ?? null,
      facts,
      published,
    };
  }

  /** The customer's facts in force at an instant (facts history); null when Strata kept none by then. */
  factsAt(ctx: Context, customerId: string, at: Date): Promise<Record<string, unknown> | null> {
    return ctx.loaders.factsAt.load({ customerId, at });
  }

  private async explainFacts(published: PublishedProgram, facts: Facts, heldTierKey: string | null = null): Promise<TierExplanation> {
    // Each explanation is its own turn of the event loop, so a page of them lets other requests in between.
    await setImmediate();
    const evaluation = await published.evaluator.evaluate(facts);
    return {
      matchedTierKey: evaluation.matchedTierKey,
      outcomes: evaluation.outcomes,
      appliesTo: evaluation.appliesTo,
      conditions: flattenConditions(evaluation.outcomes, evaluation.appliesTo).map((c) => ({ ...c, actual: c.actual ?? null, factPresent: c.actual !== undefined })),
      nextTier: evaluation.applies ? withTier(nextTierUp(evaluation.outcomes, new Map(published.tiers.map((t) => [t.key, t.rank])), evaluation.matchedTierKey), published) : null,
      keepTier: heldTierKey ? withTier(requirementsOf(evaluation.outcomes, heldTierKey), published) : null,
      fallbacks: evaluation.fallbacks,
    };
  }

  /** The customer's tier changes, newest first. */
  async history(ctx: Context, customerId: string, programKey: string | null, page: PageArgs): Promise<Connection<TierChange>> {
    const request = pageRequest(page, 'bigint');
    const query = ctx.db.createQueryBuilder(TierChange, 'h').where('h.customer_id = :customerId', { customerId });
    if (programKey) query.andWhere('h.program_key = :programKey', { programKey });
    const count = () => query.clone().getCount();
    const { op, order } = keyset(request, 'DESC');
    if (request.cursor) query.andWhere(`h.id ${op} :cursor`, { cursor: request.cursor });
    const rows = await query.orderBy('h.id', order).limit(request.size + 1).getMany();
    return toConnection(rows, request, (h) => h.id, count);
  }

  /**
   * Re-evaluates customers in every program and stores the result: assignments are
   * upserted, removed where a program no longer covers a customer, and a history row is
   * appended wherever the tier changed. A fixed number of statements whatever the number of
   * customers. Call inside the mutation's transaction.
   */
  async recordCustomers(tx: Context, customers: EvaluatedCustomer[], cause: TierChangeCause, created: ReadonlySet<string> = new Set()): Promise<TierChange[]> {
    if (customers.length === 0) return [];
    // The programs in force once the customers are written: that write waited for any publish
    // in flight (which locks the customer table in SHARE mode), but time's settling may have
    // read the programs before it, and a publish may have committed since.
    tx.loaders.clear();
    const classified = await tx.loaders.classifications.loadMany(customers);
    // Customers the caller's statement inserted have no assignment yet: not asked for. (Asked
    // for anyway, a load into a table whose statistics lag can be planned as a full scan.)
    const previous = await storedAssignments(
      tx.db,
      customers.filter((c) => !created.has(c.id)).map((c) => c.id),
    );
    const items = customers.flatMap((customer, i) => {
      const classifications = classified[i];
      if (classifications instanceof Error) throw classifications;
      return classifications.map(({ published, classification, override }) => ({
        customerId: customer.id,
        published,
        verdict: classification,
        overrideTierKey: override?.tierKey ?? null,
        stored: previous.get(assignmentKey(customer.id, published.program.id)) ?? null,
      }));
    });
    return this.reconcile(tx, items, cause, TierChangeCause.CREATED);
  }

  /**
   * Brings stored assignments in line with fresh verdicts, writing only what changed: a
   * covered customer's new rules tier, the removal of an assignment whose program no longer
   * covers the customer, and one history row wherever the *shown* tier changes (`firstCause`
   * for a first assignment). The program's time policy decides what is held (policyStep).
   * The SQL form of the same writes is retier-stage.ts.
   */
  async reconcile(tx: Context, items: Reconcilable[], cause: TierChangeCause, firstCause: TierChangeCause): Promise<TierChange[]> {
    const store: StoredRow[] = [];
    const remove: { customerId: string; programId: string }[] = [];
    const changes: TierChange[] = [];
    const atRisk: NewEvent[] = [];
    const now = tx.deps.clock.now();
    for (const { customerId, published, verdict, overrideTierKey, stored } of items) {
      const programId = published.program.id;
      const step = policyStep(published.timing, verdict, stored, now);
      if (step.state.heldTierKey !== null && (stored?.state.heldTierKey ?? null) === null) atRisk.push(atRiskEvent(customerId, published, verdict, step.state, now));
      // Stored again when only the version is newer, so a re-tier of that version knows this customer is done.
      const version = published.version.version;
      if (verdict.applies && (!stored || stored.tierKey !== verdict.tierKey || stored.ruleVersion < version || !sameState(stored.state, step.state))) {
        store.push({ customerId, programId, tierKey: verdict.tierKey, version, state: step.state });
      } else if (!verdict.applies && stored) remove.push({ customerId, programId });
      const shownBefore = shownTier(published, stored ? { applies: true, tierKey: stored.tierKey } : { applies: false, tierKey: null }, overrideTierKey, stored?.state.heldTierKey ?? null);
      const shownAfter = shownTier(published, verdict, overrideTierKey, step.state.heldTierKey);
      if (encodeTier(shownBefore) !== encodeTier(shownAfter)) changes.push(change(customerId, published, shownBefore.tierKey, shownAfter, stored ? cause : firstCause));
    }
    await this.storeAssignments(tx, store);
    await this.removeAssignments(tx, remove);
    await this.events.append(tx, atRisk);
    return this.appendHistory(tx, changes);
  }

  private async storeAssignments(tx: Context, rows: StoredRow[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.db.query(
      `INSERT INTO tier_assignment (customer_id, program_id, tier_key, rule_version, source, evaluated_at, held_tier_key, tier_since, below_since, drop_at)
       SELECT u.customer_id, u.program_id, u.tier_key, u.rule_version, 'RULE', $9, u.held_tier_key, u.tier_since, u.below_since, u.drop_at
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::timestamptz[])
              AS u(customer_id, program_id, tier_key, rule_version, held_tier_key, tier_since, below_since, drop_at)
       ON CONFLICT (customer_id, program_id) DO UPDATE
         SET tier_key = EXCLUDED.tier_key, rule_version = EXCLUDED.rule_version, evaluated_at = EXCLUDED.evaluated_at, held_tier_key = EXCLUDED.held_tier_key,
             tier_since = EXCLUDED.tier_since, below_since = EXCLUDED.below_since, drop_at = EXCLUDED.drop_at`,
      [
        rows.map((r) => r.customerId),
        rows.map((r) => r.programId),
        rows.map((r) => r.tierKey),
        rows.map((r) => r.version),
        rows.map((r) => r.state.heldTierKey),
        rows.map((r) => r.state.tierSince),
        rows.map((r) => r.state.belowSince),
        rows.map((r) => r.state.dropAt),
        tx.deps.clock.now(),
      ],
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

  /** Appends one history row where the shown tier changes outside a re-evaluation (an override set or revoked). */
  async recordChange(tx: Context, customerId: string, published: PublishedProgram, from: ShownTier, to: ShownTier, cause: TierChangeCause): Promise<TierChange[]> {
    if (encodeTier(from) === encodeTier(to)) return [];
    return this.appendHistory(tx, [change(customerId, published, from.tierKey, to, cause)]);
  }

  private async appendHistory(tx: Context, changes: TierChange[]): Promise<TierChange[]> {
    if (changes.length === 0) return changes;
    const rows: { id: string; at: Date }[] = await tx.db.query(
      `WITH history AS (
         INSERT INTO tier_change (customer_id, program_id, program_key, from_tier_key, to_tier_key, rules_tier_key, cause, rule_version, at)
         SELECT u.customer_id, u.program_id, u.program_key, u.from_tier_key, u.to_tier_key, u.rules_tier_key, u.cause, u.rule_version, COALESCE(u.at, $10::timestamptz)
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::timestamptz[]) WITH ORDINALITY
                AS u(customer_id, program_id, program_key, from_tier_key, to_tier_key, rules_tier_key, cause, rule_version, at, n)
          ORDER BY u.n
         ${HISTORY_RETURNING}),
       ${tierChangedEventsSql(this.events, 'history', '$10::timestamptz')}
       SELECT id, at FROM history ORDER BY id`,
      [
        changes.map((c) => c.customerId),
        changes.map((c) => c.programId),
        changes.map((c) => c.programKey),
        changes.map((c) => c.fromTierKey),
        changes.map((c) => c.toTierKey),
        changes.map((c) => c.rulesTierKey),
        changes.map((c) => c.cause),
        changes.map((c) => c.ruleVersion),
        // Set for changes time made (at the instant they took effect); the others happen now.
        changes.map((c) => c.at ?? null),
        tx.deps.clock.now(),
      ],
    );
    rows.forEach((row, i) => Object.assign(changes[i], row));
    return changes;
  }
}

function change(customerId: string, published: PublishedProgram, from: string | null, to: ShownTier, cause: TierChangeCause): TierChange {
  return Object.assign(new TierChange(), {
    customerId,
    programId: published.program.id,
    programKey: published.program.key,
    fromTierKey: from,
    toTierKey: to.tierKey,
    rulesTierKey: to.rulesTierKey,
    cause,
    ruleVersion: published.version.version,
  });
}

/** customer.tier_at_risk: a hold begins (the verdict fell below the tier shown), with when it falls unless the facts recover. */
function atRiskEvent(customerId: string, published: PublishedProgram, verdict: Classification, state: HeldState, now: Date): NewEvent {
  const { status, reviewAt } = heldStatus(published.timing, state, now);
  return {
    type: EventType.CUSTOMER_TIER_AT_RISK,
    customerId,
    programKey: published.program.key,
    payload: {
      program: published.program.key,
      tier: state.heldTierKey,
      status,
      rulesTier: verdict.tierKey,
      belowSince: state.belowSince?.toISOString() ?? null,
      reviewAt: reviewAt?.toISOString() ?? null,
      heldUntil: state.dropAt?.toISOString() ?? null,
      ruleVersion: published.version.version,
    },
  };
}

function toAssignment({ published, classification, override, held, stored }: CustomerClassification, facts: Facts, evaluatedAt: Date): TierAssignment {
  const shown = shownTier(published, classification, override?.tierKey, held);
  const hold = shown.source === AssignmentSource.HELD && stored ? heldTier(published, classification, stored, evaluatedAt) : null;
  return {
    program: published.program,
    tier: published.tiers.find((t) => t.key === shown.tierKey) ?? null,
    ruleVersion: published.version.version,
    source: shown.source,
    override: shown.source === AssignmentSource.OVERRIDE ? override : null,
    status: hold?.status ?? TierStatus.ACTIVE,
    held: hold,
    evaluatedAt,
    facts,
    published,
  };
}

/** The card's account of a hold: what the stored state says, or what a hold starting now would say. */
function heldTier(published: PublishedProgram, verdict: Classification, stored: StoredAssignment, now: Date): HeldTier {
  const { timing } = published;
  // A hold already stored stands until its drop is recorded; a hold the verdict starts now is what the next write stores.
  const state = stored.state.heldTierKey !== null ? stored.state : policyStep(timing, verdict, stored, now).state;
  const { status, reviewAt } = heldStatus(timing, state, now);
  const shownTiming = timing.tiers.find((t) => t.key === state.heldTierKey);
  return {
    status: TierStatus[status],
    rulesTier: published.tiers.find((t) => t.key === verdict.tierKey) ?? null,
    rulesTierKey: verdict.tierKey,
    belowSince: state.belowSince ?? now,
    reviewAt,
    heldUntil: state.dropAt,
    protected: shownTiming?.protected ?? false,
    timeZone: timing.policy.timeZone,
  };
}

/** The next tier's object beside its key. */
function withTier(next: EngineNextTier | null, published: PublishedProgram): NextTier | null {
  return next && { ...next, tier: published.tiers.find((t) => t.key === next.tierKey)! };
}
