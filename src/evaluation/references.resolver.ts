import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { Tier } from '../programs/tier.entity';
import { JSONObjectScalar } from '../shared/scalars';
import { TierProgram } from '../programs/tier-program.entity';
import { EvaluationService } from './evaluation.service';
import { TierChange } from './tier-change.entity';
import { TierOverride } from './tier-override.entity';

/** The objects behind a history row's keys, so screens follow them instead of joining by hand. */
@Resolver(() => TierChange)
export class TierChangeReferenceResolver {
  constructor(private readonly evaluation: EvaluationService) {}

  @FieldResolver(() => TierProgram, { nullable: true, description: 'The program; null once it is gone.' })
  program(@Root() change: TierChange, @Ctx() ctx: Context): Promise<TierProgram | null> {
    return this.evaluation.programInForce(ctx, { id: change.programId });
  }

  @FieldResolver(() => Tier, { nullable: true, description: 'The tier shown before, as the newest version up to ruleVersion has it; null for none.' })
  fromTier(@Root() change: TierChange, @Ctx() ctx: Context): Promise<Tier | null> {
    return this.evaluation.tierAsOf(ctx, change.programId, change.ruleVersion, change.fromTierKey);
  }

  @FieldResolver(() => Tier, { nullable: true, description: 'The tier shown after, as version ruleVersion has it; null for none.' })
  toTier(@Root() change: TierChange, @Ctx() ctx: Context): Promise<Tier | null> {
    return this.evaluation.tierAsOf(ctx, change.programId, change.ruleVersion, change.toTierKey);
  }

  @FieldResolver(() => JSONObjectScalar, { nullable: true, description: "The customer's facts in force at the change (its `at`), from the customer's facts history; null when Strata kept none then." })
  facts(@Root() change: TierChange, @Ctx() ctx: Context): Promise<Record<string, unknown> | null> {
    return this.evaluation.factsAt(ctx, change.customerId, change.at);
  }
}

@Resolver(() => TierOverride)
export class TierOverrideReferenceResolver {
  constructor(private readonly evaluation: EvaluationService) {}

  @FieldResolver(() => TierProgram, { nullable: true, description: 'The program the override pins a tier in; null once it is gone.' })
  program(@Root() override: TierOverride, @Ctx() ctx: Context): Promise<TierProgram | null> {
    return this.evaluation.programInForce(ctx, { id: override.programId });
  }

  @FieldResolver(() => Tier, { nullable: true, description: 'The tier pinned, as the version in force has it; null when that version has no such tier (the override then does not count).' })
  tier(@Root() override: TierOverride, @Ctx() ctx: Context): Promise<Tier | null> {
    return this.evaluation.tierInForce(ctx, { id: override.programId }, override.tierKey);
  }
}
