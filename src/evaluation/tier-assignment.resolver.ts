import { FieldResolver, Resolver, Root } from 'type-graphql';
import { EvaluationService } from './evaluation.service';
import { TierAssignment, TierExplanation } from './tier-assignment.types';
import { EXPLANATION_COST, fixedCost } from '../limits/query-cost';

@Resolver(() => TierAssignment)
export class TierAssignmentResolver {
  constructor(private readonly evaluation: EvaluationService) {}

  @FieldResolver(() => TierExplanation, { complexity: fixedCost(EXPLANATION_COST), description: "The rules' verdict, also when an override decides the tier." })
  explanation(@Root() assignment: TierAssignment): Promise<TierExplanation> {
    return this.evaluation.explain(assignment);
  }
}
