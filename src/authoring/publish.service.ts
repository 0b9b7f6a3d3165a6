import type { AuditAction } from '../audit/audit-actions';
import { EventLog } from '../events/event-log';
import { EventType } from '../events/event.entity';
import { AuditService } from '../audit/audit.service';
import { Context } from '../context';
import { ProgramDocument, RuleSetStatus, RuleSetVersion } from '../programs/rule-set-version.entity';
import { ProgramService } from '../programs/program.service';
import { TierProgram } from '../programs/tier-program.entity';
import { throwIfAny, userError } from '../shared/user-error';
import { TierChangeCause } from '../evaluation/tier-change.entity';
import { RetierJob } from '../retier/retier-job.entity';
import { enqueueRetier, lockOpenRetiers } from '../retier/retier-runner';

export interface Published {
  version: RuleSetVersion;
  retierJob: RetierJob;
}

/**
 * Makes a document the program's version in force and enqueues the job that re-tiers
 * every customer, in the caller's transaction: the job exists exactly when the version does.
 */
export class PublishService {
  constructor(
    private readonly programs: ProgramService,
    private readonly audit: AuditService,
    private readonly events: EventLog,
  ) {}

  async publish(tx: Context, program: TierProgram, document: ProgramDocument, action: AuditAction, details: Record<string, unknown>): Promise<Published> {
    // Waits for customer writes in flight and holds new ones until commit, so each customer
    // write is evaluated either before the publish (and re-tiered by the job) or after it.
    await tx.db.query('LOCK TABLE customer IN SHARE MODE');
    await lockOpenRetiers(tx, program.id);
    const [locked]: { published_version: number; latest: number }[] = await tx.db.query(
      `SELECT p.published_version, (SELECT max(version) FROM rule_set_version WHERE program_id = p.id) AS latest
         FROM tier_program p WHERE p.id = $1 FOR UPDATE`,
      [program.id],
    );
    const next = (locked.latest ?? 0) + 1;
    // The audit entry holds both documents, so its before and after read as the rules' diff.
    const replaced = locked.published_version ? await tx.db.findOne(RuleSetVersion, { where: { programId: program.id, version: locked.published_version } }) : null;
    await tx.db.update(RuleSetVersion, { programId: program.id, status: RuleSetStatus.PUBLISHED }, { status: RuleSetStatus.SUPERSEDED });
    const approvedBy = typeof details.approvedBy === 'string' ? details.approvedBy : null;
    const version = await this.programs.insertVersion(tx, program.id, next, document, approvedBy);
    await tx.db.update(TierProgram, { id: program.id }, { publishedVersion: next });
    const retierJob = await enqueueRetier(tx, program.id, next, TierChangeCause.RULE_PUBLISH);
    await this.audit.record(tx, {
      action,
      entityType: 'PROGRAM',
      entityKey: program.key,
      before: { version: locked.published_version, document: replaced?.document ?? null },
      after: { version: next, document, ...details },
    });
    await this.events.append(tx, [
      {
        type: EventType.PROGRAM_PUBLISHED,
        customerId: null,
        programKey: program.key,
        payload: { program: program.key, version: next, previousVersion: locked.published_version ?? null, retierJobId: retierJob.id, how: action },
      },
    ]);
    tx.loaders.clear();
    return { version, retierJob };
  }

  /** Publishes an earlier version's document again, as a new version: history stays linear. */
  async rollback(tx: Context, programKey: string, toVersion: number): Promise<Published> {
    const program = await tx.db.findOne(TierProgram, { where: { key: programKey } });
    if (!program) throwIfAny([userError('NOT_FOUND', ['programKey'], `no tier program with key "${programKey}"`)]);
    const target = await tx.db.findOne(RuleSetVersion, { where: { programId: program!.id, version: toVersion } });
    if (!target) throwIfAny([userError('NOT_FOUND', ['version'], `program "${programKey}" has no version ${toVersion}`)]);
    if (program!.publishedVersion === toVersion) {
      throwIfAny([userError('CONFLICT', ['version'], `version ${toVersion} is already in force`)]);
    }
    const catalogs = await this.programs.catalogs(tx);
    throwIfAny(await this.programs.checkDocument(tx, target!.document, ['version', 'document'], catalogs));
    return this.publish(tx, program!, target!.document, 'ruleSetRollback', { rolledBackTo: toVersion });
  }
}
