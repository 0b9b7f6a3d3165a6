import { setImmediate } from 'node:timers/promises';
import { AuditService } from '../audit/audit.service';
import { Context } from '../context';
import { Classification, Facts, NextTier as EngineNextTier, flattenConditions, nextTierUp } from '../engine';
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
import { ShownTier, encodeTier, shownTier } from './shown-tier';
import { AssignmentSource, NextTier, TierAsOf, TierAssignment, TierExplanation } from './tier-assignment.types';
import { TierChange, TierChangeCause } from './tier-change.entity';
import { TierOverride } from './tier-override.entity';

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
  /** Whether an assignment was stored, and its tier (the rules' verdict then). */
  had: boolean;
  before: string | null;
}

/** Which expiries to record: every one due (the scheduler, a batch at a time), or those of customers a write holds. */
export type ExpiryScope = { due: number } | { customerIds: readonly string[] } | { externalIds: readonly string[] };

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
  ) {}

  /**
   * Records the overrides whose expiry instant has passed: marks each, appends a history row
   * where the shown tier changes (OVERRIDE_EXPIRED, at the expiry instant, with the facts
   * then) and audits it. Reads stop counting an override at its instant; this writes what
   * that did. Every write to a customer (customers/, overrides, a re-tier's chunk) records
   * the customer's due expiries first, before it changes facts or tiers, so the stored rules
   * tier and facts read here are still those that stood at the instant, and history chains. Customers are locked before their overrides (the order every writer keeps); the
   * scheduler skips customers a write holds, which records them itself.
   */
  async settleOverrideExpiries(tx: Context, scope: ExpiryScope): Promise<OverrideExpiries> {
    const now = tx.deps.clock.now();
    const locked: { id: string }[] =
      'due' in scope
        ? await tx.db.query(
            `SELECT c.id FROM customer c
              WHERE c.id IN (SELECT o.customer_id FROM tier_override o WHERE ${expiryDue('$1')} ORDER BY o.expires_at LIMIT $2)
              ORDER BY c.id FOR UPDATE OF c SKIP LOCKED`,
            [now, scope.due],
          )
        : // From the few pending expiries (a partial index), not from the customers written.
          await tx.db.query(
            `SELECT c.id FROM customer c
              WHERE c.id IN (SELECT o.customer_id FROM tier_override o WHERE ${expiryDue('$1')})
                AND ${'customerIds' in scope ? 'c.id = ANY($2::uuid[])' : 'c.external_id = ANY($2::text[])'}
              ORDER BY c.id FOR UPDATE OF c`,
            [now, 'customerIds' in scope ? scope.customerIds : scope.externalIds],
          );
    if (locked.length === 0) return { expired: [], tierChanges: [] };
    // A statement of its own, so it reads assignments as the writes that held the locks left them.
    const rows = (await tx.db.query(
      `WITH expired AS (
         UPDATE tier_override o SET expiry_recorded_at = $1 WHERE ${expiryDue('$1')} AND o.customer_id = ANY($2::uuid[]) RETURNING o.*)
       SELECT ${entityColumns(tx.db, TierOverride, 'e')}, a.tier_key AS "storedTier", a.rule_version AS "storedVersion", a.customer_id IS NOT NULL AS "had"
         FROM expired e LEFT JOIN tier_assignment a ON a.customer_id = e.customer_id AND a.program_id = e.program_id
        ORDER BY e.expires_at, e.id`,
      [now, locked.map((l) => l.id)],
    )) as (TierOverride & { storedTier: string | null; storedVersion: number | null; had: boolean })[];
    const programs = await tx.loaders.programs();
    const changes: TierChange[] = [];
    const expired = rows.map(({ storedTier, storedVersion, had, ...override }) => {
      const published = programs.find((p) => p.program.id === override.programId);
      if (published) {
        const stored: Classification = had ? { applies: true, tierKey: storedTier } : { applies: false, tierKey: null };
        const from = shownTier(published, stored, override.tierKey);
        const to = shownTier(published, stored, null);
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
    return { expired, tierChanges: await this.appendHistory(tx, changes) };
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
    return toAssignment({ published, classification: await published.evaluator.classify(facts), override: null }, facts, ctx.deps.clock.now());
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
    return this.explainFacts(assignment.published, assignment.facts);
  }

  /** The explanation of a past instant: under the version then in force, with the facts then; null without them. */
  async explainAt(asOf: TierAsOf): Promise<TierExplanation | null> {
    return asOf.published && asOf.facts ? this.explainFacts(asOf.published, asOf.facts) : null;
  }

  /**
   * The customer's tier in a program at a past instant: the last change at or before it
   * (the shown tier stays what a change made it until the next), with the version then in
   * force. Now or later is the card's question, answered live by `tier`.
   */
  async tierAt(ctx: Context, customerId: string, programKey: string, at: Date): Promise<TierAsOf> {
    if (at.getTime() > ctx.deps.clock.now().getTime()) throw new DomainError('BAD_USER_INPUT', `at: ${at.toISOString()} is in the future; the tier now is Customer.tier`);
    const program = await ctx.db.findOne(TierProgram, { where: { key: programKey } });
    if (!program) throw new DomainError('NOT_FOUND', `no tier program with key "${programKey}"`);
    const [published, change] = [
      await ctx.deps.registry.atInstant(ctx.db, program.id, at),
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
      facts: change?.facts ?? null,
      published,
    };
  }

  private async explainFacts(published: PublishedProgram, facts: Facts): Promise<TierExplanation> {
    // Each explanation is its own turn of the event loop, so a page of them lets other requests in between.
    await setImmediate();
    const evaluation = await published.evaluator.evaluate(facts);
    return {
      matchedTierKey: evaluation.matchedTierKey,
      outcomes: evaluation.outcomes,
      appliesTo: evaluation.appliesTo,
      conditions: flattenConditions(evaluation.outcomes, evaluation.appliesTo).map((c) => ({ ...c, actual: c.actual ?? null, factPresent: c.actual !== undefined })),
      nextTier: evaluation.applies ? withTier(nextTierUp(evaluation.outcomes, new Map(published.tiers.map((t) => [t.key, t.rank])), evaluation.matchedTierKey), published) : null,
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
    const classified = await tx.loaders.classifications.loadMany(customers);
    // Customers the caller's statement inserted have no assignment yet: not asked for. (Asked
    // for anyway, a load into a table whose statistics lag can be planned as a full scan.)
    const existing = customers.filter((c) => !created.has(c.id)).map((c) => c.id);
    const stored: { customer_id: string; program_id: string; tier_key: string | null }[] = existing.length
      ? await tx.db.query('SELECT customer_id, program_id, tier_key FROM tier_assignment WHERE customer_id = ANY($1::uuid[])', [existing])
      : [];
    const previous = new Map(stored.map((s) => [`${s.customer_id}:${s.program_id}`, s.tier_key]));
    const items = customers.flatMap((customer, i) => {
      const classifications = classified[i];
      if (classifications instanceof Error) throw classifications;
      return classifications.map(({ published, classification, override }) => {
        const key = `${customer.id}:${published.program.id}`;
        return {
          customerId: customer.id,
          published,
          verdict: classification,
          overrideTierKey: override?.tierKey ?? null,
          had: previous.has(key),
          before: previous.get(key) ?? null,
        };
      });
    });
    return this.reconcile(tx, items, cause, TierChangeCause.CREATED);
  }

  /**
   * Brings stored assignments in line with fresh verdicts, writing only what changed: a
   * covered customer's new rules tier, the removal of an assignment whose program no longer
   * covers the customer, and one history row wherever the *shown* tier changes (`firstCause`
   * for a first assignment). The SQL form of the same writes is retier-stage.ts.
   */
  async reconcile(tx: Context, items: Reconcilable[], cause: TierChangeCause, firstCause: TierChangeCause): Promise<TierChange[]> {
    const store: { customerId: string; programId: string; tierKey: string | null; version: number }[] = [];
    const remove: { customerId: string; programId: string }[] = [];
    const changes: TierChange[] = [];
    for (const { customerId, published, verdict, overrideTierKey, had, before } of items) {
      const programId = published.program.id;
      if (verdict.applies && (!had || before !== verdict.tierKey)) store.push({ customerId, programId, tierKey: verdict.tierKey, version: published.version.version });
      else if (!verdict.applies && had) remove.push({ customerId, programId });
      const shownBefore = shownTier(published, had ? { applies: true, tierKey: before } : { applies: false, tierKey: null }, overrideTierKey);
      const shownAfter = shownTier(published, verdict, overrideTierKey);
      if (encodeTier(shownBefore) !== encodeTier(shownAfter)) changes.push(change(customerId, published, shownBefore.tierKey, shownAfter, had ? cause : firstCause));
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

  /** Appends one history row where the shown tier changes outside a re-evaluation (an override set or revoked). */
  async recordChange(tx: Context, customerId: string, published: PublishedProgram, from: ShownTier, to: ShownTier, cause: TierChangeCause): Promise<TierChange[]> {
    if (encodeTier(from) === encodeTier(to)) return [];
    return this.appendHistory(tx, [change(customerId, published, from.tierKey, to, cause)]);
  }

  private async appendHistory(tx: Context, changes: TierChange[]): Promise<TierChange[]> {
    if (changes.length === 0) return changes;
    const rows: { id: string; at: Date; facts: Facts | null }[] = await tx.db.query(
      // The facts as this transaction wrote them; a subquery per row keeps unnest's order for RETURNING.
      `INSERT INTO tier_change (customer_id, program_id, program_key, from_tier_key, to_tier_key, rules_tier_key, cause, rule_version, facts, at)
       SELECT u.customer_id, u.program_id, u.program_key, u.from_tier_key, u.to_tier_key, u.rules_tier_key, u.cause, u.rule_version,
              (SELECT c.facts FROM customer c WHERE c.id = u.customer_id), COALESCE(u.at, $10::timestamptz)
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::timestamptz[])
              AS u(customer_id, program_id, program_key, from_tier_key, to_tier_key, rules_tier_key, cause, rule_version, at)
       RETURNING id, at, facts`,
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

function toAssignment({ published, classification, override }: CustomerClassification, facts: Facts, evaluatedAt: Date): TierAssignment {
  const shown = shownTier(published, classification, override?.tierKey);
  return {
    program: published.program,
    tier: published.tiers.find((t) => t.key === shown.tierKey) ?? null,
    ruleVersion: published.version.version,
    source: shown.source,
    override: shown.source === AssignmentSource.OVERRIDE ? override : null,
    evaluatedAt,
    facts,
    published,
  };
}

/** The next tier's object beside its key. */
function withTier(next: EngineNextTier | null, published: PublishedProgram): NextTier | null {
  return next && { ...next, tier: published.tiers.find((t) => t.key === next.tierKey)! };
}
