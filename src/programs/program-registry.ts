import { ProgramTiming, timingOf } from '../rules/time-policy';
import { EntityManager } from 'typeorm';
import { ProgramEvaluator } from '../engine';
import { appliesToOf } from './program-document';
import { RuleSetVersion } from './rule-set-version.entity';
import { TierProgram } from './tier-program.entity';
import { Tier } from './tier.entity';

/** A program with the version in force: its tiers (highest rank first) and evaluator. */
export interface PublishedProgram {
  program: TierProgram;
  version: RuleSetVersion;
  tiers: Tier[];
  evaluator: ProgramEvaluator;
  /** The version's time rules (timePolicy, protected tiers, minimum stays). */
  timing: ProgramTiming;
}

type CompiledVersion = Omit<PublishedProgram, 'program'>;

/**
 * Keeps one compiled evaluator per rule-set version for the life of the process.
 * Versions are immutable and keyed by their row id (an id from a rolled-back transaction
 * never comes back), so the cache needs no invalidation; which version is in force is read
 * from the database on every request, so every process follows a publish at once.
 */
export class ProgramRegistry {
  private readonly versions = new Map<string, Promise<CompiledVersion>>();

  async published(db: EntityManager): Promise<PublishedProgram[]> {
    const { entities, raw } = await db
      .createQueryBuilder(TierProgram, 'p')
      .innerJoin(RuleSetVersion, 'v', 'v.program_id = p.id AND v.version = p.published_version')
      .addSelect('v.id', 'version_id')
      .orderBy('p.key')
      .getRawAndEntities<{ version_id: string }>();
    // One after another: `db` may be a transaction's single connection, which must not
    // run two queries at once. Compiled versions are cached, so this is rarely a query.
    const published: PublishedProgram[] = [];
    for (const [i, program] of entities.entries()) published.push({ program, ...(await this.compiled(db, raw[i].version_id)) });
    return published;
  }

  /** A program at one of its versions (in force or not), compiled. */
  async atVersion(db: EntityManager, programId: string, version: number): Promise<PublishedProgram | null> {
    const row = await db.findOne(RuleSetVersion, { where: { programId, version }, relations: { program: true } });
    if (!row) return null;
    return { program: row.program!, ...(await this.compiled(db, row.id)) };
  }

  /**
   * A program at the version in force at an instant: the newest published at or before it
   * (a roll back publishes a new version, so history stays linear); null before the first.
   */
  async atInstant(db: EntityManager, programId: string, at: Date): Promise<PublishedProgram | null> {
    const row = await db
      .createQueryBuilder(RuleSetVersion, 'v')
      .innerJoinAndSelect('v.program', 'p')
      // Within the millisecond asked: instants travel in milliseconds, stored ones in microseconds.
      .where(`v.program_id = :programId AND v.published_at < :at::timestamptz + interval '1 millisecond'`, { programId, at })
      .orderBy('v.published_at', 'DESC')
      .addOrderBy('v.version', 'DESC')
      .getOne();
    if (!row) return null;
    return { program: row.program!, ...(await this.compiled(db, row.id)) };
  }

  private compiled(db: EntityManager, versionId: string): Promise<CompiledVersion> {
    let compiled = this.versions.get(versionId);
    if (!compiled) {
      compiled = this.compile(db, versionId);
      this.versions.set(versionId, compiled);
      compiled.catch(() => this.versions.delete(versionId));
    }
    return compiled;
  }

  private async compile(db: EntityManager, versionId: string): Promise<CompiledVersion> {
    const version = await db.findOneOrFail(RuleSetVersion, {
      where: { id: versionId },
      relations: { program: true, tiers: { entitlements: { entitlement: true } } },
    });
    const tiers = [...(version.tiers ?? [])].sort((a, b) => b.rank - a.rank);
    for (const tier of tiers) tier.entitlements.sort((a, b) => a.entitlementKey.localeCompare(b.entitlementKey));
    const evaluator = new ProgramEvaluator({
      key: version.program!.key,
      version: version.version,
      appliesTo: appliesToOf(version.document),
      tiers: tiers.map((t) => ({ key: t.key, rank: t.rank, conditions: t.conditions as never })),
    });
    delete version.tiers;
    delete version.program;
    return { version, tiers, evaluator, timing: timingOf(version.document) };
  }
}
