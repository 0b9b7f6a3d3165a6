import { costsWork } from '../limits/query-cost';
import { IsOptional, MaxLength, MinLength } from 'class-validator';
import { Arg, Authorized, Ctx, Field, FieldResolver, InputType, Int, Query, Resolver, Root } from 'type-graphql';
import { Role } from '../shared/role';
import type { Context } from '../context';
import { JSONObjectScalar, JSONScalar } from '../shared/scalars';
import { ProgramService } from './program.service';
import { RuleSetVersion } from './rule-set-version.entity';
import { TierProgram } from './tier-program.entity';
import { Tier } from './tier.entity';

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

@Resolver(() => TierProgram)
export class ProgramResolver {
  constructor(private readonly programs: ProgramService) {}

  @Authorized(Role.VIEWER)
  @Query(() => [TierProgram])
  @costsWork('perProgram')
  tierPrograms(@Ctx() ctx: Context): Promise<TierProgram[]> {
    return this.programs.list(ctx);
  }

  @Authorized(Role.VIEWER)
  @Query(() => TierProgram, { nullable: true })
  tierProgram(@Arg('key') key: string, @Ctx() ctx: Context): Promise<TierProgram | null> {
    return this.programs.find(ctx, key);
  }

  @FieldResolver(() => [Tier], { description: 'Highest rank first.' })
  async tiers(@Root() program: TierProgram, @Ctx() ctx: Context): Promise<Tier[]> {
    return (await this.programs.publishedById(ctx, program.id))?.tiers ?? [];
  }

  @FieldResolver(() => RuleSetVersion, { nullable: true })
  async publishedVersion(@Root() program: TierProgram, @Ctx() ctx: Context): Promise<RuleSetVersion | null> {
    return (await this.programs.publishedById(ctx, program.id))?.version ?? null;
  }

  @FieldResolver(() => Boolean, { description: 'True when the version in force retires the program: it covers no customer and does not count towards the limit of programs.' })
  async retired(@Root() program: TierProgram, @Ctx() ctx: Context): Promise<boolean> {
    return (await this.programs.publishedById(ctx, program.id))?.version.document.retired === true;
  }
}
