import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { TierProgram } from '../programs/tier-program.entity';
import { Tier } from '../programs/tier.entity';
import { JSONObjectScalar } from '../shared/scalars';

export enum AssignmentSource {
  RULE = 'RULE',
  OVERRIDE = 'OVERRIDE',
}
registerEnumType(AssignmentSource, { name: 'AssignmentSource' });

@ObjectType({ description: "One tier's rule as evaluated for the customer." })
export class RuleOutcome {
  @Field()
  tierKey: string;

  @Field()
  passed: boolean;

  @Field(() => JSONObjectScalar, {
    description: "json-rules-engine's condition tree as evaluated: leaves carry fact, operator, value, factResult and result.",
  })
  conditions: Record<string, unknown>;
}

@ObjectType({ description: 'Why the customer has the tier: every tier of the program, highest rank first.' })
export class TierExplanation {
  @Field(() => String, { nullable: true })
  matchedTierKey: string | null;

  @Field(() => [RuleOutcome])
  outcomes: RuleOutcome[];

  @Field(() => JSONObjectScalar, { nullable: true, description: "The program's appliesTo condition as evaluated; null when it covers everyone." })
  appliesTo: Record<string, unknown> | null;
}

@ObjectType({ description: "A customer's tier in one program, evaluated from the current facts and the rules in force." })
export class TierAssignment {
  @Field(() => TierProgram)
  program: TierProgram;

  @Field(() => Tier, { nullable: true, description: 'Null when the customer matches no tier of the program.' })
  tier: Tier | null;

  @Field(() => Int)
  ruleVersion: number;

  @Field(() => AssignmentSource)
  source: AssignmentSource;

  @Field(() => TierExplanation)
  explanation: TierExplanation;

  @Field()
  evaluatedAt: Date;
}
