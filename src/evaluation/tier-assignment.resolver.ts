import { Arg, Authorized, Ctx, Field, FieldResolver, Float, Int, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { DISTRIBUTION_COST, costsWork, fixedCost } from '../limits/query-cost';
import { Tier } from '../programs/tier.entity';
import { TierProgram } from '../programs/tier-program.entity';
import { Role } from '../shared/role';
import { JSONObjectScalar } from '../shared/scalars';
import { EvaluationService } from './evaluation.service';
import { TierAsOf, TierAssignment, TierExplanation } from './tier-assignment.types';

@ObjectType({ description: 'How many customers of a program show one tier.' })
export class TierCount {
  @Field(() => String, { nullable: true, description: 'Null counts customers the program covers who match no tier.' })
  tierKey: string | null;

  @Field(() => Tier, { nullable: true, description: 'The tier counted; null for customers who match no tier.' })
  tier: Tier | null;

  @Field(() => Int, { description: 'Customers showing the tier.' })
  count: number;

  @Field(() => Float, { description: 'count as a fraction of the program\'s customers, 0 to 1.' })
  share: number;
}

@Resolver(() => TierAssignment)
export class TierAssignmentResolver {
  constructor(private readonly evaluation: EvaluationService) {}

  @FieldResolver(() => TierExplanation, { description: "The rules' verdict, also when an override decides the tier." })
  @costsWork('explanation')
  explanation(@Root() assignment: TierAssignment): Promise<TierExplanation> {
    return this.evaluation.explain(assignment);
  }
}

@Resolver(() => TierAsOf)
export class TierAsOfResolver {
  constructor(private readonly evaluation: EvaluationService) {}

  @FieldResolver(() => TierExplanation, { nullable: true, description: "Why, then: the rules of the version then in force over the facts of then; null when Strata kept no facts by then or no version was in force." })
  @costsWork('explanation')
  explanation(@Root() asOf: TierAsOf): Promise<TierExplanation | null> {
    return this.evaluation.explainAt(asOf);
  }
}

/** The fields of programs that evaluate customers: programs/ knows nothing of tiers shown. */
@Resolver(() => TierProgram)
export class ProgramEvaluationResolver {
  constructor(private readonly evaluation: EvaluationService) {}

  @Authorized(Role.VIEWER)
  @Query(() => TierAssignment, { description: 'What-if: the tier these facts would get in the program. Writes nothing.' })
  @costsWork('assignment')
  evaluate(@Arg('programKey', { description: 'The program to evaluate in.' }) programKey: string, @Arg('facts', () => JSONObjectScalar, { description: 'Fact catalog key → value, checked against the catalog.' }) facts: Record<string, unknown>, @Ctx() ctx: Context): Promise<TierAssignment> {
    return this.evaluation.whatIf(ctx, programKey, facts);
  }

  @FieldResolver(() => [TierCount], { complexity: fixedCost(DISTRIBUTION_COST), description: 'Customers per tier shown, highest rank first; tierKey null = no tier.' })
  distribution(@Root() program: TierProgram, @Ctx() ctx: Context): Promise<TierCount[]> {
    return this.evaluation.distribution(ctx, program.id);
  }
}
