import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Context } from '../context';
import { TypedValue, typedValue } from '../shared/typed-value';
import { EntitlementDefinition } from '../catalog/entitlement-definition.entity';
import { ProgramDefinition } from '../engine';
import { FactService } from '../facts/fact.service';
import { ProgramSizes } from '../limits/query-cost';
import { upgradeTierShape } from '../rules/legacy-tier-rule';
import { Catalogs, ProgramSpec, SpecProblem, validateProgramDocument, validateProgramSpec } from '../rules/program-validator';
import { AMORTIZED_STATEMENT } from '../shared/amortized-statement';
import { DomainError } from '../shared/errors';
import { Connection, PageArgs, keyset, pageRequest, toConnection } from '../shared/pagination';
import { UserError, throwIfAny, userError } from '../shared/user-error';
import { appliesToOf } from './program-document';
import { PublishedProgram } from './program-registry';
import { ProgramDocument, RuleSetStatus, RuleSetVersion } from './rule-set-version.entity';
import { TierEntitlement } from './tier-entitlement.entity';
import { TierProgram } from './tier-program.entity';
import { Tier } from './tier.entity';

/**
 * Programs Strata keeps. Every customer read evaluates every program, and requests are
 * priced per program (limits/query-cost.ts), so their number is bounded like their size.
 */
export const MAX_PROGRAMS = 50;

export class ProgramService {
  constructor(
    private readonly facts: FactService,
    private readonly audit: AuditService,
  ) {}

  /** Every program, those with a version in force and those whose first draft awaits publishing. */
  async list(ctx: Context): Promise<TierProgram[]> {
    return ctx.db.find(TierProgram, { order: { key: 'ASC' } });
  }

  /** How many programs and versions there are, and how large each published document is: what prices requests. */
  async sizes(db: EntityManager): Promise<ProgramSizes> {
    const rows: { key: string; bytes: number | null; versions: number; draft_bytes: number }[] = await db.query(
      `${AMORTIZED_STATEMENT}SELECT p.key, octet_length(v.document::text) AS bytes, (SELECT count(*)::int FROM rule_set_version w WHERE w.program_id = p.id) AS versions,
              (SELECT coalesce(max(octet_length(d.document::text)), 0)::int FROM rule_draft d WHERE d.program_id = p.id AND d.status IN ('EDITING', 'SUBMITTED', 'APPROVED')) AS draft_bytes
         FROM tier_program p LEFT JOIN rule_set_version v ON v.program_id = p.id AND v.version = p.published_version`,
    );
    return {
      programs: rows.length,
      versions: Math.max(0, ...rows.map((r) => r.versions)),
      documentBytes: new Map(rows.filter((r) => r.bytes !== null).map((r) => [r.key, r.bytes!])),
      draftBytes: Math.max(0, ...rows.map((r) => r.draft_bytes)),
    };
  }

  /** Every version of a program, newest first. */
  versions(ctx: Context, programId: string): Promise<RuleSetVersion[]> {
    return ctx.db.find(RuleSetVersion, { where: { programId }, order: { version: 'DESC' } });
  }

  /** The program's versions newest first, a page at a time (cursors hold the version number). */
  async versionPage(ctx: Context, programId: string, page: PageArgs): Promise<Connection<RuleSetVersion>> {
    const request = pageRequest(page, 'bigint');
    const query = ctx.db.createQueryBuilder(RuleSetVersion, 'v').where('v.program_id = :programId', { programId });
    const count = () => query.clone().getCount();
    const { op, order } = keyset(request, 'DESC');
    if (request.cursor) query.andWhere(`v.version ${op} :cursor`, { cursor: Number(request.cursor) });
    const rows = await query.orderBy('v.version', order).limit(request.size + 1).getMany();
    return toConnection(rows, request, (v) => String(v.version), count);
  }

  /** A tier's entitlement value typed by its catalog entry (loaded with the tier, or read). */
  async typedEntitlement(ctx: Context, entitlement: TierEntitlement): Promise<TypedValue> {
    return this.typedValueOf(ctx, entitlement.entitlementKey, entitlement.value, entitlement.entitlement);
  }

  /** An entitlement value typed by the catalog entry of its key. */
  async typedValueOf(ctx: Context, key: string, value: unknown, loaded?: EntitlementDefinition | null): Promise<TypedValue> {
    const definition = loaded ?? (await ctx.loaders.entitlementDefinition.load(key));
    return typedValue(definition?.valueType ?? 'STRING', value, definition?.unit ?? null);
  }

  async find(ctx: Context, key: string): Promise<TierProgram | null> {
    return ctx.db.findOne(TierProgram, { where: { key } });
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

  /** The version in force at an instant (the newest published at or before it); null before the first. */
  async versionAt(ctx: Context, programId: string, at: Date): Promise<RuleSetVersion | null> {
    return (await ctx.deps.registry.atInstant(ctx.db, programId, at))?.version ?? null;
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
    if (errors.length === 0 && (await this.inUse(ctx)) >= MAX_PROGRAMS) {
      errors.push(userError('LIMIT_REACHED', [...path, 'key'], `there are already ${MAX_PROGRAMS} tier programs in use, the most Strata keeps; retire one first (tierProgramRetire)`));
    }
    return errors;
  }

  /** Programs not retired: those in force and those whose first version awaits publishing. */
  private async inUse(ctx: Context): Promise<number> {
    const [row]: { n: number }[] = await ctx.db.query(
      `SELECT count(*)::int AS n FROM tier_program p LEFT JOIN rule_set_version v ON v.program_id = p.id AND v.version = p.published_version
        WHERE v.document IS NULL OR v.document->'retired' IS DISTINCT FROM 'true'::jsonb`,
    );
    return row.n;
  }

  /** Problems with a rule document against the catalogs, as `userErrors` under `path`. */
  async checkDocument(ctx: Context, document: unknown, path: (string | number)[], catalogs?: Catalogs): Promise<UserError[]> {
    const problems = validateProgramDocument(document, catalogs ?? (await this.catalogs(ctx)));
    return problems.map((p) => userError(p.code, [...path, ...p.path], p.message));
  }

  /**
   * Creates a program with no version in force, in the caller's transaction. Its first
   * version reaches customers only by publishing (authoring/), like any rule change.
   */
  async create(tx: Context, spec: ProgramSpec, path: string[] = ['input']): Promise<TierProgram> {
    // Creations take turns, so two at once cannot both pass the count below the limit.
    await tx.db.query(`SELECT pg_advisory_xact_lock(hashtext('tier_program_create'))`);
    throwIfAny(await this.check(tx, spec, path));
    const program = await tx.db.save(
      Object.assign(new TierProgram(), { key: spec.key, name: spec.name.trim(), description: spec.description ?? null, publishedVersion: null, retieredVersion: null }),
    );
    await this.audit.record(tx, {
      action: 'tierProgramCreate',
      entityType: 'PROGRAM',
      entityKey: program.key,
      after: { name: program.name, description: program.description, document: documentOf(spec) },
    });
    return program;
  }

  /** Stores a published version with its tiers and their entitlement values. */
  async insertVersion(tx: Context, programId: string, version: number, document: ProgramDocument, approvedBy: string | null): Promise<RuleSetVersion> {
    const saved = await tx.db.save(
      Object.assign(new RuleSetVersion(), { programId, version, status: RuleSetStatus.PUBLISHED, document, publishedAt: tx.deps.clock.now(), publishedBy: tx.actor.name, approvedBy }),
    );
    for (const t of document.tiers) {
      const tier = await tx.db.save(Object.assign(new Tier(), { ruleSetVersionId: saved.id, key: t.key, name: t.name, rank: t.rank, conditions: t.conditions }));
      if (t.entitlements.length) {
        await tx.db.save(t.entitlements.map((e) => Object.assign(new TierEntitlement(), { tierId: tier.id, entitlementKey: e.key, value: e.value })));
      }
    }
    return saved;
  }
}

/** The stored document of a spec or a draft: appliesTo, every tier with its entitlements always a list (so stored drafts and versions compare alike), and retired when set. */
export function documentOf(spec: Pick<ProgramSpec, 'appliesTo' | 'tiers' | 'retired' | 'timePolicy'>): ProgramDocument {
  const { tiers } = upgradeTierShape(spec).document as { tiers: ProgramDocument['tiers'] };
  return {
    appliesTo: spec.appliesTo ?? null,
    tiers: tiers.map((t) => ({
      key: t.key,
      name: t.name,
      rank: t.rank,
      conditions: t.conditions,
      entitlements: t.entitlements ?? [],
      // Written only when set, so documents without time rules stay as they were.
      ...(t.protected ? { protected: true } : {}),
      ...(t.minimumStayDays ? { minimumStayDays: t.minimumStayDays } : {}),
    })),
    ...(spec.retired ? { retired: true } : {}),
    ...(spec.timePolicy ? { timePolicy: spec.timePolicy } : {}),
  };
}

/** A document as the engine takes it (drafts and simulations: version 0, never stored). */
export function definitionOf(programKey: string, document: ProgramDocument): ProgramDefinition {
  return {
    key: programKey,
    version: 0,
    appliesTo: appliesToOf(document),
    tiers: document.tiers.map((t) => ({ key: t.key, rank: t.rank, conditions: t.conditions as never })),
  };
}
