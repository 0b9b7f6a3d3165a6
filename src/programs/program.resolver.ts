import { costsWork } from '../limits/query-cost';
import { IsOptional, MaxLength, MinLength } from 'class-validator';
import { Arg, Authorized, Ctx, Field, FieldResolver, InputType, Int, Query, Resolver, Root } from 'type-graphql';
import { Role } from '../shared/role';
import { TypedValue } from '../shared/typed-value';
import { TierEntitlement } from './tier-entitlement.entity';
import type { Context } from '../context';
import { JSONObjectScalar, JSONScalar } from '../shared/scalars';
import { ProgramService } from './program.service';
import { RuleSetVersion } from './rule-set-version.entity';
import { TierProgram } from './tier-program.entity';
import { Tier } from './tier.entity';

@InputType({ description: 'One entitlement value a tier gives.' })
export class TierEntitlementInput {
  @Field({ description: 'The entitlement\'s catalog key.' })
  key: string;

  @Field(() => JSONScalar, { description: 'The value the tier gives, of the entitlement\'s type.' })
  value: unknown;
}

@InputType({ description: 'A tier of a program document: its key, name, rank, conditions and entitlements.' })
export class TierInput {
  @Field({ description: 'The tier key, unique within the program.' })
  key: string;

  @Field({ description: 'Display name.' })
  name: string;

  @Field(() => Int, { description: 'Higher is better; unique within the program.' })
  rank: number;

  @Field(() => JSONObjectScalar, { nullable: true, description: 'Who earns the tier: a condition tree { all | any | not: … }, the shape of appliesTo. Required unless rule is given.' })
  conditions?: Record<string, unknown> | null;

  @Field(() => JSONObjectScalar, {
    nullable: true,
    description: 'The older shape of conditions, wrapped as a json-rules-engine rule { conditions }; give conditions or rule, not both.',
    deprecationReason: 'Use conditions: the same tree without the wrapper.',
  })
  rule?: Record<string, unknown> | null;

  @Field(() => [TierEntitlementInput], { nullable: true, description: 'What the tier gives.' })
  entitlements?: TierEntitlementInput[] | null;

  @Field(() => Boolean, { nullable: true, description: "Under the program's time policy: a customer who reaches the tier keeps it while covered, whatever the rules say. Omitted: false." })
  protected?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'Days a customer stays in the tier after entering it before any downgrade, 0 to 3,650. Omitted: 0.' })
  minimumStayDays?: number | null;
}

@InputType({ description: 'A new program: its key, name and ladder.' })
export class TierProgramCreateInput {
  @Field({ description: 'The program key: a lower-case letter, then lower-case letters, digits, _ and - (at most 63).' })
  key: string;

  @Field({ description: 'Display name.' })
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @Field(() => String, { nullable: true, description: 'What the program is for.' })
  @IsOptional()
  @MaxLength(2000)
  description?: string | null;

  @Field(() => JSONObjectScalar, { nullable: true, description: 'Condition tree choosing the customers the program covers; null covers everyone.' })
  appliesTo?: Record<string, unknown> | null;

  @Field(() => [TierInput], { description: 'The ladder, each tier with its rule and entitlements.' })
  tiers: TierInput[];
}

@Resolver(() => TierProgram)
export class ProgramResolver {
  constructor(private readonly programs: ProgramService) {}

  @Authorized(Role.VIEWER)
  @Query(() => [TierProgram], { description: 'Every program, published or not.' })
  @costsWork('perProgram')
  tierPrograms(@Ctx() ctx: Context): Promise<TierProgram[]> {
    return this.programs.list(ctx);
  }

  @Authorized(Role.VIEWER)
  @Query(() => TierProgram, { nullable: true, description: 'A program by its key; null when none has it.' })
  tierProgram(@Arg('key', { description: 'The program key.' }) key: string, @Ctx() ctx: Context): Promise<TierProgram | null> {
    return this.programs.find(ctx, key);
  }

  @FieldResolver(() => [Tier], { description: 'Highest rank first.' })
  async tiers(@Root() program: TierProgram, @Ctx() ctx: Context): Promise<Tier[]> {
    return (await this.programs.publishedById(ctx, program.id))?.tiers ?? [];
  }

  @FieldResolver(() => RuleSetVersion, { nullable: true, description: 'The version in force; null until the first version is published.' })
  async publishedVersion(@Root() program: TierProgram, @Ctx() ctx: Context): Promise<RuleSetVersion | null> {
    return (await this.programs.publishedById(ctx, program.id))?.version ?? null;
  }

  @FieldResolver(() => RuleSetVersion, { nullable: true, description: 'The version in force at an instant: the newest published at or before it; null before the first.' })
  versionAt(@Root() program: TierProgram, @Arg('at', () => Date, { description: 'The instant.' }) at: Date, @Ctx() ctx: Context): Promise<RuleSetVersion | null> {
    return this.programs.versionAt(ctx, program.id, at);
  }

  @FieldResolver(() => Boolean, { description: 'True when the version in force retires the program: it covers no customer and does not count towards the limit of programs.' })
  async retired(@Root() program: TierProgram, @Ctx() ctx: Context): Promise<boolean> {
    return (await this.programs.publishedById(ctx, program.id))?.version.document.retired === true;
  }
}

@Resolver(() => TierEntitlement)
export class TierEntitlementResolver {
  constructor(private readonly programs: ProgramService) {}

  @FieldResolver(() => TypedValue, { description: 'The value typed by the catalog, with its unit and as a person reads it ("50 %", "yes").' })
  typedValue(@Root() entitlement: TierEntitlement, @Ctx() ctx: Context): Promise<TypedValue> {
    return this.programs.typedEntitlement(ctx, entitlement);
  }
}

@Resolver(() => Tier)
export class TierRuleResolver {
  @FieldResolver(() => JSONObjectScalar, {
    nullable: true,
    description: 'The conditions wrapped as a json-rules-engine rule { conditions }.',
    deprecationReason: 'Use conditions: the same tree in the one shape Strata reads and writes conditions in.',
  })
  rule(@Root() tier: Tier): Record<string, unknown> {
    return { conditions: tier.conditions };
  }
}
