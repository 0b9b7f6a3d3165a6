import { setImmediate } from 'node:timers/promises';
import type { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { Context } from '../context';
import { ProgramEvaluator } from '../engine';
import { FactService } from '../facts/fact.service';
import { ProgramService, definitionOf, documentOf } from '../programs/program.service';
import { ProgramSpec } from '../rules/program-validator';
import { ProgramDocument, RuleSetVersion } from '../programs/rule-set-version.entity';
import { TierProgram } from '../programs/tier-program.entity';
import { isUuid } from '../shared/ids';
import { UserError, listed, throwIfAny, userError } from '../shared/user-error';
import { DraftTier, FactCoverage, NumberRange, RuleDraftValidation, RuleSetDiff, RuleTestResult, RuleWarning, TierDiffChange } from './authoring.types';
import { diffDocuments } from './diff';
import { DomainError } from '../shared/errors';
import { analyzeCoverage, coverageByFact, type FactCoverage as FactCoverageData } from './coverage';
import type { IntervalSet } from './intervals';
import { Published, PublishService } from './publish.service';
import { OPEN_DRAFT_STATUSES, RuleDraft, RuleDraftStatus, RuleTestCase } from './rule-draft.entity';

/** A tier as an author writes it: conditions, or the older rule wrapper. */
type WrittenTier = ProgramSpec['tiers'][number];

export const MAX_TEST_CASES = 200;

/** Audited actions that write a draft's content. */
const DRAFT_EDITS = ['ruleDraftCreate', 'ruleDraftUpdate', 'ruleDraftTierUpdate', 'ruleDraftTestCaseAdd', 'ruleDraftTestCaseRemove'];

/**
 * Drafts of a program's next rule set. Every change names the revision it was made on and
 * is refused with CONFLICT when the draft has moved on, so no edit overwrites another.
 * Invalid edits are refused with the exact path of each problem and store nothing.
 */
export class DraftService {
  constructor(
    private readonly programs: ProgramService,
    private readonly facts: FactService,
    private readonly publisher: PublishService,
    private readonly audit: AuditService,
  ) {}

  async find(ctx: Context, id: string): Promise<RuleDraft | null> {
    return isUuid(id) ? ctx.db.findOne(RuleDraft, { where: { id } }) : null;
  }

  async list(ctx: Context, programKey?: string | null, statuses: RuleDraftStatus[] = OPEN_DRAFT_STATUSES): Promise<RuleDraft[]> {
    const query = ctx.db.createQueryBuilder(RuleDraft, 'd').where('d.status IN (:...statuses)', { statuses }).orderBy('d.created_at', 'DESC').limit(100);
    if (programKey) query.innerJoin(TierProgram, 'p', 'p.id = d.program_id AND p.key = :programKey', { programKey });
    return query.getMany();
  }

  /**
   * A new program: created with no version in force and its first version as a draft, so it
   * reaches customers only through validation, simulation, four-eyes approval and publishing.
   */
  async createProgram(tx: Context, spec: ProgramSpec): Promise<{ program: TierProgram; draft: RuleDraft }> {
    const program = await this.programs.create(tx, spec);
    const draft = await this.open(tx, program, 0, documentOf(spec));
    return { program, draft };
  }

  /**
   * Opens a draft as a copy of the version in force (marked retired with `retire`); a
   * program has one open draft at a time.
   */
  async create(tx: Context, programKey: string, { retire = false } = {}): Promise<RuleDraft> {
    const published = await this.programs.published(tx, programKey);
    if (!published) throwIfAny([userError('NOT_FOUND', ['programKey'], `no tier program with key "${programKey}"`)]);
    const { program, version } = published!;
    const open = await tx.db.findOne(RuleDraft, { where: OPEN_DRAFT_STATUSES.map((status) => ({ programId: program.id, status })) });
    if (open) {
      throwIfAny([userError('CONFLICT', ['programKey'], `program "${programKey}" already has an open draft (${open.id}, ${open.status}); edit or discard it`)]);
    }
    if (retire && version.document.retired) throwIfAny([userError('CONFLICT', ['programKey'], `program "${programKey}" is already retired`)]);
    return this.open(tx, program, version.version, retire ? { ...version.document, retired: true } : version.document);
  }

  private async open(tx: Context, program: TierProgram, baseVersion: number, document: ProgramDocument): Promise<RuleDraft> {
    const draft = await tx.db.save(
      Object.assign(new RuleDraft(), {
        programId: program.id,
        baseVersion,
        document,
        testCases: [],
        revision: 1,
        status: RuleDraftStatus.EDITING,
        createdBy: tx.actor.name,
        lastEditorKeyId: tx.actor.keyId,
        lastEditedBy: tx.actor.name,
      }),
    );
    await this.audit.record(tx, { action: 'ruleDraftCreate', entityType: 'RULE_DRAFT', entityKey: draft.id, after: { programKey: program.key, baseVersion } });
    return draft;
  }

  /** The draft's tiers, highest rank first. */
  tiersOf(draft: RuleDraft): DraftTier[] {
    return [...draft.document.tiers].sort((a, b) => b.rank - a.rank);
  }

  /** Replaces the whole document. */
  async update(tx: Context, id: string, revision: number, document: Record<string, unknown>): Promise<RuleDraft> {
    const draft = await this.lockOpen(tx, id, revision);
    throwIfAny(await this.programs.checkDocument(tx, document, ['document']));
    const normalized = documentOf(document as unknown as ProgramDocument);
    return this.edited(tx, draft, { document: normalized }, 'ruleDraftUpdate', { document: draft.document }, { document: normalized });
  }

  /** Replaces one tier, found by its current key (the new tier may rename it). */
  async updateTier(tx: Context, id: string, revision: number, tierKey: string, written: WrittenTier): Promise<RuleDraft> {
    const draft = await this.lockOpen(tx, id, revision);
    const index = draft.document.tiers.findIndex((t) => t.key === tierKey);
    if (index < 0) throwIfAny([userError('NOT_FOUND', ['tierKey'], `the draft has no tier "${tierKey}"`)]);
    const tiers = draft.document.tiers.map((t, i): WrittenTier => (i === index ? written : t));
    const errors = await this.programs.checkDocument(tx, { ...draft.document, tiers }, []);
    // Problems inside the edited tier point into the `tier` argument; others into the document.
    throwIfAny(errors.map((e) => relocate(e, index)));
    const document = documentOf({ ...draft.document, tiers });
    return this.edited(tx, draft, { document }, 'ruleDraftTierUpdate', { tier: draft.document.tiers[index] }, { tier: document.tiers[index] });
  }

  async addTestCase(tx: Context, id: string, revision: number, testCase: RuleTestCase): Promise<RuleDraft> {
    const draft = await this.lockOpen(tx, id, revision);
    const errors: UserError[] = this.facts.check(await this.facts.catalog(tx), testCase.facts, ['testCase', 'facts'], false);
    if (draft.testCases.some((t) => t.name === testCase.name)) {
      errors.push(userError('CONFLICT', ['testCase', 'name'], `a test case named "${testCase.name}" already exists`));
    }
    if (testCase.expectedTierKey !== null && !draft.document.tiers.some((t) => t.key === testCase.expectedTierKey)) {
      errors.push(userError('NOT_FOUND', ['testCase', 'expectedTierKey'], `the draft has no tier "${testCase.expectedTierKey}"`));
    }
    if (draft.testCases.length >= MAX_TEST_CASES) errors.push(userError('INVALID', ['testCase'], `a draft holds at most ${MAX_TEST_CASES} test cases`));
    throwIfAny(errors);
    const testCases = [...draft.testCases, testCase];
    return this.edited(tx, draft, { testCases }, 'ruleDraftTestCaseAdd', undefined, { testCase });
  }

  async removeTestCase(tx: Context, id: string, revision: number, name: string): Promise<RuleDraft> {
    const draft = await this.lockOpen(tx, id, revision);
    const removed = draft.testCases.find((t) => t.name === name);
    if (!removed) throwIfAny([userError('NOT_FOUND', ['name'], `the draft has no test case "${name}"`)]);
    const testCases = draft.testCases.filter((t) => t.name !== name);
    return this.edited(tx, draft, { testCases }, 'ruleDraftTestCaseRemove', { testCase: removed }, undefined);
  }

  /** Asks for approval; the draft must have no validation errors. */
  async submit(tx: Context, id: string, revision: number): Promise<RuleDraft> {
    const draft = await this.lockOpen(tx, id, revision);
    if (draft.status !== RuleDraftStatus.EDITING) throwIfAny([userError('CONFLICT', ['id'], `the draft is already ${draft.status}`)]);
    throwIfAny((await this.validate(tx, draft)).errors);
    return this.transition(tx, draft, { status: RuleDraftStatus.SUBMITTED, submittedBy: tx.actor.name }, 'ruleDraftSubmit');
  }

  /** Four-eyes: no key that opened or edited the draft at any point may approve it (the audit log knows who did). */
  async approve(tx: Context, id: string, revision: number): Promise<RuleDraft> {
    const draft = await this.lockOpen(tx, id, revision);
    if (draft.status !== RuleDraftStatus.SUBMITTED) {
      throwIfAny([userError('CONFLICT', ['id'], `only a SUBMITTED draft can be approved; this one is ${draft.status}`)]);
    }
    if (draft.lastEditorKeyId === tx.actor.keyId || (await this.audit.wrote(tx, 'RULE_DRAFT', draft.id, tx.actor.keyId, DRAFT_EDITS))) {
      throwIfAny([userError('SELF_APPROVAL', ['id'], `"${tx.actor.name}" helped write this draft, so a key that did not must approve it (four-eyes)`)]);
    }
    return this.transition(
      tx,
      draft,
      { status: RuleDraftStatus.APPROVED, approvedBy: tx.actor.name, approverKeyId: tx.actor.keyId, approvedAt: tx.deps.clock.now() },
      'ruleDraftApprove',
    );
  }

  async discard(tx: Context, id: string, revision: number): Promise<RuleDraft> {
    const draft = await this.lockOpen(tx, id, revision);
    return this.transition(tx, draft, { status: RuleDraftStatus.DISCARDED }, 'ruleDraftDiscard');
  }

  /**
   * Publishes an approved draft as the program's next version and enqueues the re-tier job.
   * Validation and test cases run again; the draft must start from the version in force.
   */
  async publish(tx: Context, id: string): Promise<Published & { draft: RuleDraft }> {
    const draft = await this.lockOpen(tx, id, null);
    if (draft.status !== RuleDraftStatus.APPROVED) {
      throwIfAny([userError('CONFLICT', ['id'], `only an APPROVED draft can be published; this one is ${draft.status}`)]);
    }
    const program = await tx.db.findOneOrFail(TierProgram, { where: { id: draft.programId } });
    if ((program.publishedVersion ?? 0) !== draft.baseVersion) {
      throwIfAny([
        userError('CONFLICT', ['id'], `version ${program.publishedVersion} was published after this draft was opened from version ${draft.baseVersion}; open a new draft`),
      ]);
    }
    const validation = await this.validate(tx, draft);
    const failing = validation.testResults
      .map((r, i) => ({ r, i }))
      .filter(({ r }) => !r.passed)
      .map(({ r, i }) =>
        userError('TEST_FAILED', ['testCases', i], `test case "${r.name}" expects ${r.expectedTierKey ?? 'no tier'} but the draft gives ${r.actualTierKey ?? 'no tier'}`),
      );
    throwIfAny([...validation.errors, ...failing]);
    const published = await this.publisher.publish(tx, program, draft.document, 'ruleDraftPublish', { draftId: draft.id, approvedBy: draft.approvedBy });
    const updated = await this.transition(tx, draft, { status: RuleDraftStatus.PUBLISHED, publishedVersion: published.version.version }, null);
    return { ...published, draft: updated };
  }

  /** Errors, coverage warnings and test results against the current catalogs. */
  async validate(ctx: Context, draft: RuleDraft): Promise<RuleDraftValidation> {
    const catalogs = await this.programs.catalogs(ctx);
    // Checks, coverage and test cases each in a turn of the event loop of their own: for the
    // largest document each takes tens of milliseconds.
    const errors = await this.programs.checkDocument(ctx, draft.document, ['document'], catalogs);
    await setImmediate();
    // A retired program covers nobody: there are no gaps to warn about.
    const analyzed = !errors.length && !draft.document.retired;
    const warnings = analyzed
      ? analyzeCoverage(draft.document, catalogs.factTypeOf).map((w) =>
          Object.assign(new RuleWarning(), { code: w.code, field: ['document', ...w.path].map(String), message: w.message }),
        )
      : [];
    const coverage = analyzed ? coverageByFact(draft.document, catalogs.factTypeOf).map(toFactCoverage) : [];
    await setImmediate();
    const testResults = errors.length ? [] : await runTestCases(draft);
    return { errors: listed(errors), warnings, coverage, testResults, publishable: errors.length === 0 && testResults.every((t) => t.passed) };
  }

  /** What changed between two versions of a program, per tier. */
  async versionDiff(ctx: Context, programKey: string, fromVersion: number, toVersion: number): Promise<RuleSetDiff> {
    const program = await ctx.db.findOne(TierProgram, { where: { key: programKey } });
    if (!program) throw new DomainError('NOT_FOUND', `no tier program with key "${programKey}"`);
    const [from, to] = await Promise.all(
      [fromVersion, toVersion].map(async (version) => {
        const found = await ctx.db.findOne(RuleSetVersion, { where: { programId: program.id, version } });
        if (!found) throw new DomainError('NOT_FOUND', `program "${programKey}" has no version ${version}`);
        return found.document;
      }),
    );
    return toDiff(`v${fromVersion}`, `v${toVersion}`, diffDocuments(from, to));
  }

  /** The draft against the version it started from. */
  async draftDiff(ctx: Context, draft: RuleDraft): Promise<RuleSetDiff> {
    return toDiff(`v${draft.baseVersion}`, 'draft', diffDocuments(await this.baseDocument(ctx, draft), draft.document));
  }

  /** The draft's program document beside the version it started from (none for a new program). */
  async baseDocument(ctx: Context, draft: RuleDraft): Promise<ProgramDocument> {
    if (draft.baseVersion === 0) return { appliesTo: null, tiers: [] };
    const base = await ctx.db.findOneOrFail(RuleSetVersion, { where: { programId: draft.programId, version: draft.baseVersion } });
    return base.document;
  }

  private async lockOpen(tx: Context, id: string, revision: number | null): Promise<RuleDraft> {
    const draft = isUuid(id) ? await tx.db.findOne(RuleDraft, { where: { id }, lock: { mode: 'pessimistic_write' } }) : null;
    if (!draft) throwIfAny([userError('NOT_FOUND', ['id'], `no rule draft with id "${id}"`)]);
    if (!OPEN_DRAFT_STATUSES.includes(draft!.status)) throwIfAny([userError('CONFLICT', ['id'], `the draft is ${draft!.status}; open a new draft`)]);
    if (revision !== null && draft!.revision !== revision) {
      throwIfAny([
        userError('CONFLICT', ['revision'], `the draft is at revision ${draft!.revision}, not ${revision}: someone changed it; reload it and apply your change again`),
      ]);
    }
    return draft!;
  }

  /** An edit: bumps the revision, records the editor, and withdraws any submission or approval. */
  private edited(tx: Context, draft: RuleDraft, changes: Partial<RuleDraft>, action: AuditAction, before: unknown, after: unknown): Promise<RuleDraft> {
    const withdrawn = draft.status !== RuleDraftStatus.EDITING;
    return this.write(
      tx,
      draft,
      {
        ...changes,
        status: RuleDraftStatus.EDITING,
        lastEditorKeyId: tx.actor.keyId,
        lastEditedBy: tx.actor.name,
        submittedBy: null,
        approvedBy: null,
        approverKeyId: null,
        approvedAt: null,
      },
      action,
      before,
      withdrawn ? { ...(after as object), withdrew: draft.status } : after,
    );
  }

  private transition(tx: Context, draft: RuleDraft, changes: Partial<RuleDraft>, action: AuditAction | null): Promise<RuleDraft> {
    return this.write(tx, draft, changes, action, { status: draft.status }, { status: changes.status });
  }

  /** `WHERE revision = n` is written out: TypeORM's save() would not check it. */
  private async write(tx: Context, draft: RuleDraft, changes: Partial<RuleDraft>, action: AuditAction | null, before: unknown, after: unknown): Promise<RuleDraft> {
    const result = await tx.db
      .createQueryBuilder()
      .update(RuleDraft)
      .set({ ...changes, revision: () => 'revision + 1' } as never)
      .where('id = :id AND revision = :revision', { id: draft.id, revision: draft.revision })
      .execute();
    if (result.affected !== 1) throwIfAny([userError('CONFLICT', ['revision'], `the draft changed during the request; reload it and retry`)]);
    if (action) await this.audit.record(tx, { action, entityType: 'RULE_DRAFT', entityKey: draft.id, before, after });
    return tx.db.findOneOrFail(RuleDraft, { where: { id: draft.id } });
  }
}

function toDiff(from: string, to: string, data: ReturnType<typeof diffDocuments>): RuleSetDiff {
  return { from, to, appliesTo: data.appliesTo, tiers: data.tiers.map((t) => ({ ...t, change: t.change as TierDiffChange })) };
}

function relocate(error: UserError, index: number): UserError {
  const field = error.field ?? [];
  if (field[0] === 'tiers' && field[1] === String(index)) return { ...error, field: ['tier', ...field.slice(2)] };
  return { ...error, field: ['document', ...field] };
}

/** Classifies the draft's examples with the compiled rules (json-rules-engine only for fallbacks). */
async function runTestCases(draft: RuleDraft): Promise<RuleTestResult[]> {
  if (draft.testCases.length === 0) return [];
  const evaluator = new ProgramEvaluator(definitionOf('draft', draft.document));
  const results: RuleTestResult[] = [];
  for (const testCase of draft.testCases) {
    const { tierKey: matchedTierKey } = await evaluator.classify(testCase.facts);
    const tier = (key: string | null) => draft.document.tiers.find((t) => t.key === key) ?? null;
    results.push({
      name: testCase.name,
      expectedTierKey: testCase.expectedTierKey,
      expectedTier: tier(testCase.expectedTierKey),
      actualTierKey: matchedTierKey,
      actualTier: tier(matchedTierKey),
      passed: matchedTierKey === testCase.expectedTierKey,
    });
  }
  return results;
}

const toRanges = (set: IntervalSet): NumberRange[] =>
  set.map((x) => ({
    min: x.lo === -Infinity ? null : x.lo,
    minIncluded: !x.loOpen,
    max: x.hi === Infinity ? null : x.hi,
    maxIncluded: !x.hiOpen,
  }));

function toFactCoverage({ fact, domain, tiers, gaps }: FactCoverageData): FactCoverage {
  return { fact, domain: toRanges(domain), tiers: tiers.map((t) => ({ tierKey: t.key, accepts: toRanges(t.accepts) })), gaps: toRanges(gaps) };
}
