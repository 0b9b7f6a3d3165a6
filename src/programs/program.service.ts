import { AuditService } from '../audit/audit.service';
import { Context } from '../context';
import { EntitlementDefinition } from '../entitlements/entitlement-definition.entity';
import { ProgramDefinition, SQL_NO_TIER, SQL_OUTSIDE, SqlParams } from '../engine';
import { EvaluationService } from '../evaluation/evaluation.service';
import { activeOverrideTier, classifyCustomers, storedWithOverride } from '../evaluation/sql-classification';
import { TierChangeCause } from '../evaluation/tier-change.entity';
import { FactService } from '../facts/fact.service';
import { Catalogs, ProgramSpec, SpecProblem, validateProgramDocument, validateProgramSpec } from '../rules/program-validator';
import { DomainError } from '../shared/errors';
import { UserError, throwIfAny, userError } from '../shared/user-error';
import { PublishedProgram } from './program-registry';
import { ProgramDocument, RuleSetStatus, RuleSetVersion } from './rule-set-version.entity';
import { TierEntitlement } from './tier-entitlement.entity';
import { TierProgram } from './tier-program.entity';
import { Tier } from './tier.entity';

export interface TierCountRow {
  tierKey: string | null;
  count: number;
  share: number;
}

export class ProgramService {
  constructor(
    private readonly facts: FactService,
    private readonly evaluation: EvaluationService,
    private readonly audit: AuditService,
  ) {}

  async list(ctx: Context): Promise<TierProgram[]> {
    return (await ctx.loaders.programs()).map((p) => p.program);
  }

  async published(ctx: Context, key: string): Promise<PublishedProgram | null> {
    return (await ctx.loaders.programs()).find((p) => p.program.key === key) ?? null;
  }

  async publishedOrFail(ctx: Context, key: string): Promise<PublishedProgram> {
    const published = await this.published(ctx, key);
    if (!published) throw new DomainError('NOT_FOUND', `no tier program with key "${key}"`);
    return published;
  }

  async publishedById(ctx: Context, programId: string): Promise<PublishedProgram | null> {
    return (await ctx.loaders.programs()).find((p) => p.program.id === programId) ?? null;
  }

  async catalogs(ctx: Context): Promise<Catalogs> {
    const [facts, entitlements] = await Promise.all([this.facts.catalog(ctx), ctx.db.find(EntitlementDefinition)]);
    const entitlementTypes = new Map(entitlements.map((e) => [e.key, e.valueType]));
    return { factTypeOf: (k) => facts.get(k), entitlementTypeOf: (k) => entitlementTypes.get(k) };
  }

  /** Problems with a program spec against the current catalogs, as `userErrors` under `path`. */
  async check(ctx: Context, spec: ProgramSpec, path: string[]): Promise<UserError[]> {
    const problems: SpecProblem[] = validateProgramSpec(spec, await this.catalogs(ctx));
    const errors = problems.map((p) => userError(p.code, [...path, ...p.path], p.message));
    if (errors.length === 0 && (await ctx.db.exists(TierProgram, { where: { key: spec.key } }))) {
      errors.push(userError('CONFLICT', [...path, 'key'], `a tier program with key "${spec.key}" already exists`));
    }
    return errors;
  }

  /** Problems with a rule document against the catalogs, as `userErrors` under `path`. */
  async checkDocument(ctx: Context, document: unknown, path: (string | number)[], catalogs?: Catalogs): Promise<UserError[]> {
    const problems = validateProgramDocument(document, catalogs ?? (await this.catalogs(ctx)));
    return problems.map((p) => userError(p.code, [...path, ...p.path], p.message));
  }

  /**
   * Creates a program, publishes its version 1 and assigns every existing customer it
   * covers, all in the caller's transaction.
   */
  async create(tx: Context, spec: ProgramSpec, path: string[] = ['input']): Promise<PublishedProgram> {
    throwIfAny(await this.check(tx, spec, path));
    // Customer writes wait until the program is committed (and then evaluate it too), and
    // this waits for customer writes in flight: no customer can miss the new program.
    await tx.db.query('LOCK TABLE customer IN SHARE MODE');
    const program = await tx.db.save(
      Object.assign(new TierProgram(), {
        key: spec.key,
        name: spec.name.trim(),
        description: spec.description ?? null,
        publishedVersion: 1,
        retieredVersion: 1,
      }),
    );
    const document = documentOf(spec);
    await this.insertVersion(tx, program.id, 1, document);
    tx.loaders.clear();
    const published = await this.publishedById(tx, program.id);
    if (!published) throw new Error(`program ${spec.key} was not readable after creation`);
    await this.evaluation.recordProgram(tx, published, TierChangeCause.RULE_PUBLISH);
    await this.audit.record(tx, {
      action: 'tierProgramCreate',
      entityType: 'PROGRAM',
      entityKey: program.key,
      after: { name: program.name, description: program.description, version: 1, document },
    });
    return published;
  }

  /** Stores a published version with its tiers and their entitlement values. */
  async insertVersion(tx: Context, programId: string, version: number, document: ProgramDocument): Promise<RuleSetVersion> {
    const saved = await tx.db.save(
      Object.assign(new RuleSetVersion(), { programId, version, status: RuleSetStatus.PUBLISHED, document, publishedAt: new Date() }),
    );
    for (const t of document.tiers) {
      const tier = await tx.db.save(Object.assign(new Tier(), { ruleSetVersionId: saved.id, key: t.key, name: t.name, rank: t.rank, rule: t.rule }));
      if (t.entitlements.length) {
        await tx.db.save(t.entitlements.map((e) => Object.assign(new TierEntitlement(), { tierId: tier.id, entitlementKey: e.key, value: e.value })));
      }
    }
    return saved;
  }

  /**
   * How many customers the program covers per tier (null = no tier), highest rank first.
   * Counts stored assignments, or, while a re-tier job is still bringing them up to the
   * version in force, classifies every customer in SQL so the figures follow the new rules.
   */
  async distribution(ctx: Context, published: PublishedProgram): Promise<TierCountRow[]> {
    const counts = new Map<string | null, number>();
    const programId = published.program.id;
    if (published.program.retieredVersion === published.version.version) {
      const params = new SqlParams();
      const shown = storedWithOverride('a.tier_key', activeOverrideTier(programId, params, 'a.customer_id'), published.tiers.map((t) => t.key), params);
      const rows: { tier_key: string | null; count: number }[] = await ctx.db.query(
        `SELECT ${shown} AS tier_key, count(*)::int AS count FROM tier_assignment a
          WHERE a.program_id = ${params.add(programId, 'uuid')} GROUP BY 1`,
        params.values,
      );
      for (const r of rows) counts.set(r.tier_key, r.count);
    } else {
      for (const group of await classifyCustomers(ctx, [published.evaluator], 0, programId)) {
        const [key] = group.keys;
        if (key !== SQL_OUTSIDE) counts.set(key === SQL_NO_TIER ? null : key, group.count);
      }
    }
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const keys: (string | null)[] = [...published.tiers.map((t) => t.key), null];
    return keys.map((tierKey) => {
      const count = counts.get(tierKey) ?? 0;
      return { tierKey, count, share: total ? count / total : 0 };
    });
  }
}

/** The stored document of a spec: appliesTo plus every tier, entitlements always a list. */
export function documentOf(spec: Pick<ProgramSpec, 'appliesTo' | 'tiers'>): ProgramDocument {
  return {
    appliesTo: spec.appliesTo ?? null,
    tiers: spec.tiers.map((t) => ({ key: t.key, name: t.name, rank: t.rank, rule: t.rule, entitlements: t.entitlements ?? [] })),
  };
}

/** A document as the engine takes it (drafts and simulations: version 0, never stored). */
export function definitionOf(programKey: string, document: ProgramDocument): ProgramDefinition {
  return {
    key: programKey,
    version: 0,
    appliesTo: (document.appliesTo as never) ?? null,
    tiers: document.tiers.map((t) => ({ key: t.key, rank: t.rank, rule: t.rule as never })),
  };
}
