import { FieldResolver, Resolver, Root } from 'type-graphql';
import { EvaluationService } from './evaluation.service';
import { TierAssignment, TierExplanation } from './tier-assignment.types';

@Resolver(() => TierAssignment)
export class TierAssignmentResolver {
  constructor(private readonly evaluation: EvaluationService) {}

  @FieldResolver(() => TierExplanation, { description: "The rules' verdict, also when an override decides the tier." })
  explanation(@Root() assignment: TierAssignment): Promise<TierExplanation> {
    return this.evaluation.explain(assignment);
  }
}
