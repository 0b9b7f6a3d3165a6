import { IsOptional, MaxLength, MinLength } from 'class-validator';
import { Arg, Authorized, Ctx, Field, FieldResolver, Float, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { Role } from '../auth/role';
import type { Context } from '../context';
import { EvaluationService } from '../evaluation/evaluation.service';
import { TierAssignment } from '../evaluation/tier-assignment.types';
import { FactService } from '../facts/fact.service';
import { DomainError } from '../shared/errors';
import { JSONObjectScalar, JSONScalar } from '../shared/scalars';
import { runMutation } from '../shared/transaction';
import { UserError } from '../shared/user-error';
import { assertValidInput } from '../shared/validation';
import { ProgramService } from './program.service';
import { RuleSetVersion } from './rule-set-version.entity';
import { TierProgram } from './tier-program.entity';
import { Tier } from './tier.entity';
import { DISTRIBUTION_COST, fixedCost } from '../limits/query-cost';

@InputType()
export class TierEntitlementInput {
  @Field()
  key: string;

  @Field(() => JSONScalar)
  value: unknown;
}

@InputType()
export class TierInput {
  @Field()
  key: string;

  @Field()
  name: string;

  @Field(() => Int, { description: 'Higher is better; unique within the program.' })
  rank: number;

  @Field(() => JSONObjectScalar, { description: 'A json-rules-engine rule: { conditions: { all | any | not: … } }.' })
  rule: Record<string, unknown>;

  @Field(() => [TierEntitlementInput], { nullable: true })
  entitlements?: TierEntitlementInput[] | null;
}

@InputType()
export class TierProgramCreateInput {
  @Field()
  key: string;

  @Field()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(2000)
  description?: string | null;

  @Field(() => JSONObjectScalar, { nullable: true, description: 'Condition tree choosing the customers the program covers; null covers everyone.' })
  appliesTo?: Record<string, unknown> | null;

  @Field(() => [TierInput])
  tiers: TierInput[];
}

@ObjectType()
export class TierProgramCreatePayload {
  @Field(() => TierProgram, { nullable: true })
  program: TierProgram | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType()
export class TierCount {
  @Field(() => String, { nullable: true, description: 'Null counts customers the program covers who match no tier.' })
  tierKey: string | null;

  @Field(() => Int)
  count: number;

  @Field(() => Float)
  share: number;
}

@Resolver(() => TierProgram)
export class ProgramResolver {
  constructor(
    private readonly programs: ProgramService,
    private readonly evaluation: EvaluationService,
    private readonly facts: FactService,
  ) {}

  @Authorized(Role.VIEWER)
  @Query(() => [TierProgram])
  tierPrograms(@Ctx() ctx: Context): Promise<TierProgram[]> {
    return this.programs.list(ctx);
  }

  @Authorized(Role.VIEWER)
  @Query(() => TierProgram, { nullable: true })
  async tierProgram(@Arg('key') key: string, @Ctx() ctx: Context): Promise<TierProgram | null> {
    return (await this.programs.published(ctx, key))?.program ?? null;
  }

  @Authorized(Role.VIEWER)
  @Query(() => TierAssignment, { description: 'What-if: the tier these facts would get in the program. Writes nothing.' })
  async evaluate(
    @Arg('programKey') programKey: string,
    @Arg('facts', () => JSONObjectScalar) facts: Record<string, unknown>,
    @Ctx() ctx: Context,
  ): Promise<TierAssignment> {
    const published = await this.programs.publishedOrFail(ctx, programKey);
    const problems = this.facts.check(await this.facts.catalog(ctx), facts, ['facts'], false);
    if (problems.length) throw new DomainError('BAD_USER_INPUT', problems.map((p) => `${p.field?.join('.')}: ${p.message}`).join('; '));
    return this.evaluation.evaluateFacts(ctx, published, facts);
  }

  @Authorized(Role.EDITOR)
  @Mutation(() => TierProgramCreatePayload, { description: 'Creates the program, publishes its version 1 and assigns every existing customer.' })
  tierProgramCreate(@Arg('input') input: TierProgramCreateInput, @Ctx() ctx: Context): Promise<TierProgramCreatePayload> {
    return runMutation(ctx, async (tx) => {
      await assertValidInput(input, ['input']);
      return { program: (await this.programs.create(tx, input)).program };
    }, { program: null });
  }

  @FieldResolver(() => [Tier], { description: 'Highest rank first.' })
  async tiers(@Root() program: TierProgram, @Ctx() ctx: Context): Promise<Tier[]> {
    return (await this.programs.publishedById(ctx, program.id))?.tiers ?? [];
  }

  @FieldResolver(() => RuleSetVersion, { nullable: true })
  async publishedVersion(@Root() program: TierProgram, @Ctx() ctx: Context): Promise<RuleSetVersion | null> {
    return (await this.programs.publishedById(ctx, program.id))?.version ?? null;
  }

  @FieldResolver(() => [TierCount], { complexity: fixedCost(DISTRIBUTION_COST), description: 'Customers per tier, highest rank first; tierKey null = no tier.' })
  async distribution(@Root() program: TierProgram, @Ctx() ctx: Context): Promise<TierCount[]> {
    const published = await this.programs.publishedById(ctx, program.id);
    return published ? this.programs.distribution(ctx, published) : [];
  }
}
