import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Connection, ConnectionType, PageArgs } from '../shared/pagination';
import { Role } from '../shared/role';
import type { Context } from '../context';
import { RuleSetVersion } from '../programs/rule-set-version.entity';
import { TierInput, TierProgramCreateInput } from '../programs/program.resolver';
import { ProgramService } from '../programs/program.service';
import { TierProgram } from '../programs/tier-program.entity';
import { EntitlementDefinition } from '../catalog/entitlement-definition.entity';
import { TypedValue } from '../shared/typed-value';
import { DomainError } from '../shared/errors';
import { JSONObjectScalar } from '../shared/scalars';
import { runMutation } from '../shared/transaction';
import { assertValidInput } from '../shared/validation';
import {
  RuleDraftPayload,
  RuleDraftValidation,
  RuleSetDiff,
  RuleSetPublishPayload,
  RuleSimulation,
  DraftTierEntitlement,
  DraftTier,
  RuleTestCase,
  RuleTestCaseInput,
  TierProgramCreatePayload,
} from './authoring.types';
import { DraftService } from './draft.service';
import { PublishService } from './publish.service';
import { RetierJob } from '../retier/retier-job.entity';
import { RetierRunner, findRetierJob, latestRetierJob } from '../retier/retier-runner';
import { RuleDraft } from './rule-draft.entity';
import { SimulationService } from './simulation.service';
import { SIMULATION_COST, costsWork, fixedCost, pageCost } from '../limits/query-cost';

export const AUTHORS = [Role.EDITOR, Role.APPROVER];

@Resolver(() => RuleDraft)
export class RuleDraftResolver {
  constructor(
    private readonly drafts: DraftService,
    private readonly simulation: SimulationService,
    private readonly programs: ProgramService,
    private readonly publisher: PublishService,
    private readonly runner: RetierRunner | null,
  ) {}

  @Authorized(...AUTHORS)
  @Query(() => RuleDraft, { nullable: true, description: 'A draft by its id; null when none has it.' })
  ruleDraft(@Arg('id', () => ID, { description: 'The draft\'s id.' }) id: string, @Ctx() ctx: Context): Promise<RuleDraft | null> {
    return this.drafts.find(ctx, id);
  }

  @Authorized(...AUTHORS)
  @Query(() => [RuleDraft], { description: 'Open drafts (editing, submitted or approved), newest first.' })
  ruleDrafts(@Ctx() ctx: Context, @Arg('programKey', () => String, { nullable: true, description: 'Only drafts of this program.' }) programKey?: string): Promise<RuleDraft[]> {
    return this.drafts.list(ctx, programKey);
  }

  @Authorized(...AUTHORS)
  @Query(() => RuleSimulation, { complexity: fixedCost(SIMULATION_COST), description: "The draft's impact on every customer: who would move from which tier to which. Writes nothing." })
  async ruleDraftSimulate(
    @Arg('id', () => ID, { description: 'The draft\'s id.' }) id: string,
    @Ctx() ctx: Context,
    @Arg('sampleSize', () => Int, { defaultValue: 5, description: 'Customers shown per movement, 0..20.' }) sampleSize: number,
  ): Promise<RuleSimulation> {
    const draft = await this.drafts.find(ctx, id);
    if (!draft) throw new DomainError('NOT_FOUND', `no rule draft with id "${id}"`);
    return this.simulation.simulate(ctx, draft, sampleSize);
  }

  @Authorized(...AUTHORS)
  @Query(() => RuleSetDiff, { description: 'What changed between two versions of a program, per tier.' })
  async ruleSetDiff(
    @Arg('programKey', { description: 'The program key.' }) programKey: string,
    @Arg('fromVersion', () => Int, { description: 'The older version.' }) fromVersion: number,
    @Arg('toVersion', () => Int, { description: 'The newer version.' }) toVersion: number,
    @Ctx() ctx: Context,
  ): Promise<RuleSetDiff> {
    return this.drafts.versionDiff(ctx, programKey, fromVersion, toVersion);
  }

  @Authorized(...AUTHORS)
  @Query(() => RetierJob, { nullable: true, description: 'A re-tier job by its id; null when none has it.' })
  retierJob(@Arg('id', () => ID, { description: 'The job\'s id.' }) id: string, @Ctx() ctx: Context): Promise<RetierJob | null> {
    return findRetierJob(ctx, id);
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => TierProgramCreatePayload, {
    description: 'Creates a program with its version 1 as a draft; like any rule change it reaches customers once validated, approved by another key and published.',
  })
  tierProgramCreate(@Arg('input', { description: 'The new program and its version 1.' }) input: TierProgramCreateInput, @Ctx() ctx: Context): Promise<TierProgramCreatePayload> {
    return runMutation(ctx, async (tx) => {
      assertValidInput(input, ['input']);
      return this.drafts.createProgram(tx, input);
    }, { program: null, draft: null });
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => RuleDraftPayload, {
    description:
      "Opens a draft that retires the program: its version in force marked retired, so it covers no customer once published. Like any change it is simulated, approved by another key and published; a later draft without `retired` reinstates it.",
  })
  tierProgramRetire(@Arg('programKey', { description: 'The program to retire.' }) programKey: string, @Ctx() ctx: Context): Promise<RuleDraftPayload> {
    return runMutation(ctx, async (tx) => ({ draft: await this.drafts.create(tx, programKey, { retire: true }) }), { draft: null });
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => RuleDraftPayload, { description: "Opens a draft as a copy of the program's version in force." })
  ruleDraftCreate(@Arg('programKey', { description: 'The program to change; its version in force is where the draft starts.' }) programKey: string, @Ctx() ctx: Context): Promise<RuleDraftPayload> {
    return runMutation(ctx, async (tx) => ({ draft: await this.drafts.create(tx, programKey) }), { draft: null });
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => RuleDraftPayload, { description: 'Replaces the whole document { appliesTo, tiers }; refused with CONFLICT unless revision is current.' })
  ruleDraftUpdate(
    @Arg('id', () => ID, { description: 'The draft\'s id.' }) id: string,
    @Arg('revision', () => Int, { description: 'The revision you read: refused with CONFLICT unless the draft is still at it.' }) revision: number,
    @Arg('document', () => JSONObjectScalar, { description: 'The whole program document { appliesTo, tiers }, as rule files write it.' }) document: Record<string, unknown>,
    @Ctx() ctx: Context,
  ): Promise<RuleDraftPayload> {
    return runMutation(ctx, async (tx) => ({ draft: await this.drafts.update(tx, id, revision, document) }), { draft: null });
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => RuleDraftPayload, { description: 'Replaces one tier, found by its current key.' })
  ruleDraftTierUpdate(
    @Arg('id', () => ID, { description: 'The draft\'s id.' }) id: string,
    @Arg('revision', () => Int, { description: 'The revision you read: refused with CONFLICT unless the draft is still at it.' }) revision: number,
    @Arg('tierKey', { description: 'The tier to replace.' }) tierKey: string,
    @Arg('tier', () => TierInput, { description: 'The tier as it should be (its key may change).' }) tier: TierInput,
    @Ctx() ctx: Context,
  ): Promise<RuleDraftPayload> {
    const plain = { key: tier.key, name: tier.name, rank: tier.rank, conditions: tier.conditions, rule: tier.rule, entitlements: (tier.entitlements ?? []).map((e) => ({ key: e.key, value: e.value })) };
    return runMutation(ctx, async (tx) => ({ draft: await this.drafts.updateTier(tx, id, revision, tierKey, plain) }), { draft: null });
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => RuleDraftPayload, { description: 'Adds an example: these facts must get this tier, or publishing is blocked.' })
  ruleDraftTestCaseAdd(
    @Arg('id', () => ID, { description: 'The draft\'s id.' }) id: string,
    @Arg('revision', () => Int, { description: 'The revision you read: refused with CONFLICT unless the draft is still at it.' }) revision: number,
    @Arg('testCase', () => RuleTestCaseInput, { description: 'The example: facts and the tier they must get.' }) testCase: RuleTestCaseInput,
    @Ctx() ctx: Context,
  ): Promise<RuleDraftPayload> {
    return runMutation(ctx, async (tx) => {
      assertValidInput(testCase, ['testCase']);
      const plain = { name: testCase.name, facts: testCase.facts, expectedTierKey: testCase.expectedTierKey ?? null };
      return { draft: await this.drafts.addTestCase(tx, id, revision, plain) };
    }, { draft: null });
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => RuleDraftPayload, { description: 'Removes one of the draft\'s test cases by name.' })
  ruleDraftTestCaseRemove(
    @Arg('id', () => ID, { description: 'The draft\'s id.' }) id: string,
    @Arg('revision', () => Int, { description: 'The revision you read: refused with CONFLICT unless the draft is still at it.' }) revision: number,
    @Arg('name', { description: 'The test case\'s name.' }) name: string,
    @Ctx() ctx: Context,
  ): Promise<RuleDraftPayload> {
    return runMutation(ctx, async (tx) => ({ draft: await this.drafts.removeTestCase(tx, id, revision, name) }), { draft: null });
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => RuleDraftPayload, { description: 'Asks for approval; needs a draft without validation errors.' })
  ruleDraftSubmit(@Arg('id', () => ID, { description: 'The draft\'s id.' }) id: string, @Arg('revision', () => Int, { description: 'The revision you read: refused with CONFLICT unless the draft is still at it.' }) revision: number, @Ctx() ctx: Context): Promise<RuleDraftPayload> {
    return runMutation(ctx, async (tx) => ({ draft: await this.drafts.submit(tx, id, revision) }), { draft: null });
  }

  @Authorized(Role.APPROVER)
  @Mutation(() => RuleDraftPayload, { description: 'Approves the revision reviewed; the last editor cannot approve (four-eyes).' })
  ruleDraftApprove(@Arg('id', () => ID, { description: 'The draft\'s id.' }) id: string, @Arg('revision', () => Int, { description: 'The revision you read: refused with CONFLICT unless the draft is still at it.' }) revision: number, @Ctx() ctx: Context): Promise<RuleDraftPayload> {
    return runMutation(ctx, async (tx) => ({ draft: await this.drafts.approve(tx, id, revision) }), { draft: null });
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => RuleDraftPayload, { description: 'Abandons a draft; the version in force stays. Audited.' })
  ruleDraftDiscard(@Arg('id', () => ID, { description: 'The draft\'s id.' }) id: string, @Arg('revision', () => Int, { description: 'The revision you read: refused with CONFLICT unless the draft is still at it.' }) revision: number, @Ctx() ctx: Context): Promise<RuleDraftPayload> {
    return runMutation(ctx, async (tx) => ({ draft: await this.drafts.discard(tx, id, revision) }), { draft: null });
  }

  @Authorized(Role.APPROVER)
  @Mutation(() => RuleSetPublishPayload, {
    description: 'Publishes an approved draft as a new version; a background job re-tiers every customer. Reads use the new rules at once.',
  })
  async ruleDraftPublish(@Arg('id', () => ID, { description: 'The approved draft\'s id.' }) id: string, @Ctx() ctx: Context): Promise<RuleSetPublishPayload> {
    const payload = await runMutation<RuleSetPublishPayload>(ctx, (tx) => this.drafts.publish(tx, id), { draft: null, version: null, retierJob: null });
    if (payload.retierJob) this.runner?.kick();
    return payload;
  }

  @Authorized(Role.APPROVER)
  @Mutation(() => RuleSetPublishPayload, { description: "Publishes an earlier version's document again as a new version." })
  async ruleSetRollback(@Arg('programKey', { description: 'The program key.' }) programKey: string, @Arg('version', () => Int, { description: 'The version whose rules come back (as a new version).' }) version: number, @Ctx() ctx: Context): Promise<RuleSetPublishPayload> {
    const payload = await runMutation<RuleSetPublishPayload>(
      ctx,
      async (tx) => ({ draft: null, ...(await this.publisher.rollback(tx, programKey, version)) }),
      { draft: null, version: null, retierJob: null },
    );
    if (payload.retierJob) this.runner?.kick();
    return payload;
  }

  @FieldResolver(() => TierProgram, { description: 'The program the draft changes.' })
  async program(@Root() draft: RuleDraft, @Ctx() ctx: Context): Promise<TierProgram> {
    const published = await this.programs.publishedById(ctx, draft.programId);
    return published ? published.program : ctx.db.findOneOrFail(TierProgram, { where: { id: draft.programId } });
  }

  @FieldResolver(() => [DraftTier], { description: "The draft's tiers, highest rank first, typed: the tiers of document." })
  tiers(@Root() draft: RuleDraft): DraftTier[] {
    return this.drafts.tiersOf(draft);
  }

  @FieldResolver(() => [RuleTestCase], { description: 'Examples the draft must classify as stated before it may be published.' })
  testCases(@Root() draft: RuleDraft): RuleTestCase[] {
    return draft.testCases;
  }

  @costsWork('validation')
  @FieldResolver(() => RuleDraftValidation, { description: 'Errors, coverage warnings and test results against the current catalogs.' })
  validation(@Root() draft: RuleDraft, @Ctx() ctx: Context): Promise<RuleDraftValidation> {
    return this.drafts.validate(ctx, draft);
  }

  @FieldResolver(() => RuleSetDiff, { description: 'The draft against the version it started from.' })
  diff(@Root() draft: RuleDraft, @Ctx() ctx: Context): Promise<RuleSetDiff> {
    return this.drafts.draftDiff(ctx, draft);
  }
}

export const RuleSetVersionConnection = ConnectionType(RuleSetVersion, 'RuleSetVersion');

@Resolver(() => TierProgram)
export class ProgramHistoryResolver {
  constructor(private readonly programs: ProgramService) {}

  @FieldResolver(() => [RuleSetVersion], { description: 'Every version, newest first.', deprecationReason: 'Use versionsConnection, which pages: a program may have many versions.' })
  @costsWork('perVersion')
  versions(@Root() program: TierProgram, @Ctx() ctx: Context): Promise<RuleSetVersion[]> {
    return this.programs.versions(ctx, program.id);
  }

  @FieldResolver(() => RuleSetVersionConnection, { complexity: pageCost, description: 'The versions newest first, a page at a time (a Relay connection).' })
  versionsConnection(@Root() program: TierProgram, @Ctx() ctx: Context, @Args(() => PageArgs) page: PageArgs): Promise<Connection<RuleSetVersion>> {
    return this.programs.versionPage(ctx, program.id, page);
  }

  @FieldResolver(() => RetierJob, { nullable: true, description: 'The most recent re-tier job.' })
  latestRetierJob(@Root() program: TierProgram, @Ctx() ctx: Context): Promise<RetierJob | null> {
    return latestRetierJob(ctx, program.id);
  }
}

@Resolver(() => DraftTierEntitlement)
export class DraftTierEntitlementResolver {
  constructor(private readonly programs: ProgramService) {}

  @FieldResolver(() => TypedValue, { description: 'The value typed by the catalog, with its unit and as a person reads it ("50 %", "yes").' })
  typedValue(@Root() entitlement: DraftTierEntitlement, @Ctx() ctx: Context): Promise<TypedValue> {
    return this.programs.typedValueOf(ctx, entitlement.key, entitlement.value);
  }

  @FieldResolver(() => EntitlementDefinition, { nullable: true, description: "The entitlement's catalog entry; null when the catalog no longer has it." })
  definition(@Root() entitlement: DraftTierEntitlement, @Ctx() ctx: Context): Promise<EntitlementDefinition | null> {
    return ctx.loaders.entitlementDefinition.load(entitlement.key);
  }
}

/** A draft tier's time rules, as the document writes them (absent: not protected, no minimum stay). */
@Resolver(() => DraftTier)
export class DraftTierTimeResolver {
  @FieldResolver(() => Boolean, { name: 'protected', description: "Under the program's time policy: a customer who reaches the tier keeps it while covered, whatever the rules say." })
  isProtected(@Root() tier: DraftTier): boolean {
    return tier.protected ?? false;
  }

  @FieldResolver(() => Int, { description: 'Days a customer stays in the tier after entering it before any downgrade; 0 = none.' })
  minimumStayDays(@Root() tier: DraftTier): number {
    return tier.minimumStayDays ?? 0;
  }
}
