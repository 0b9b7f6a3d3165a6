import { MaxLength, MinLength } from 'class-validator';
import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Customer } from '../customers/customer.entity';
import { RuleSetVersion } from '../programs/rule-set-version.entity';
import { TierProgram } from '../programs/tier-program.entity';
import { describedEnum } from '../shared/described-enum';
import { JSONObjectScalar, JSONScalar } from '../shared/scalars';
import { UserError } from '../shared/user-error';
import { RetierJob } from '../retier/retier-job.entity';
import { RULE_WARNING_CODES, type RuleWarningCode } from './coverage';
import { RuleDraft } from './rule-draft.entity';

const RuleWarningCodeEnum = describedEnum('RuleWarningCode', 'What a coverage warning is about.', RULE_WARNING_CODES);

@ObjectType({ description: 'Something valid but probably unintended, such as customers no tier accepts.' })
export class RuleWarning {
  @Field(() => RuleWarningCodeEnum)
  code: RuleWarningCode;

  @Field(() => [String], { description: 'Path inside the draft, e.g. ["document","tiers",2,"rule","conditions"].' })
  field: string[];

  @Field()
  message: string;
}

@ObjectType()
export class RuleTestCase {
  @Field()
  name: string;

  @Field(() => JSONObjectScalar)
  facts: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: 'Null = the customer must match no tier.' })
  expectedTierKey: string | null;
}

@InputType()
export class RuleTestCaseInput {
  @Field()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @Field(() => JSONObjectScalar)
  facts: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: 'Null = the customer must match no tier.' })
  expectedTierKey?: string | null;
}

@ObjectType()
export class RuleTestResult {
  @Field()
  name: string;

  @Field(() => String, { nullable: true })
  expectedTierKey: string | null;

  @Field(() => String, { nullable: true, description: 'Null when no tier matched or the program does not cover these facts.' })
  actualTierKey: string | null;

  @Field()
  passed: boolean;
}

@ObjectType({ description: 'Validation of a draft against the current catalogs; run on every read.' })
export class RuleDraftValidation {
  @Field(() => [UserError], { description: 'Problems that block submitting and publishing.' })
  errors: UserError[];

  @Field(() => [RuleWarning])
  warnings: RuleWarning[];

  @Field(() => [RuleTestResult])
  testResults: RuleTestResult[];

  @Field({ description: 'No errors and every test case passes.' })
  publishable: boolean;
}

export enum TierDiffChange {
  ADDED = 'ADDED',
  REMOVED = 'REMOVED',
  CHANGED = 'CHANGED',
  UNCHANGED = 'UNCHANGED',
}
registerEnumType(TierDiffChange, { name: 'TierDiffChange' });

@ObjectType()
export class TierDiff {
  @Field()
  tierKey: string;

  @Field(() => TierDiffChange)
  change: TierDiffChange;

  @Field(() => [String], { description: 'One line per change, e.g. "rule: balance ≥ 500,000 → balance ≥ 600,000".' })
  lines: string[];
}

@ObjectType({ description: 'What changed between two rule documents, per tier, in words.' })
export class RuleSetDiff {
  @Field(() => String, { description: 'e.g. "v3" or "draft"' })
  from: string;

  @Field(() => String)
  to: string;

  @Field(() => [String], { description: 'Changes to whom the program covers: its appliesTo, its retirement or reinstatement.' })
  appliesTo: string[];

  @Field(() => [TierDiff], { description: 'Tiers of the newer document by rank, then removed tiers.' })
  tiers: TierDiff[];
}

@ObjectType()
export class EntitlementChange {
  @Field()
  key: string;

  @Field(() => JSONScalar, { nullable: true })
  before: unknown;

  @Field(() => JSONScalar, { nullable: true })
  after: unknown;
}

@ObjectType({ description: 'Customers moving from one tier to another (or staying).' })
export class TierMovement {
  @Field(() => String, { nullable: true, description: 'Null = no tier (or not covered, see fromCovered).' })
  fromTierKey: string | null;

  @Field()
  fromCovered: boolean;

  @Field(() => String, { nullable: true })
  toTierKey: string | null;

  @Field()
  toCovered: boolean;

  @Field(() => Int)
  count: number;

  @Field(() => [Customer], { description: 'A few of the customers who move (empty when they stay).' })
  sample: Customer[];

  @Field(() => [EntitlementChange], { description: 'Tier entitlements that improve or appear.' })
  entitlementsGained: EntitlementChange[];

  @Field(() => [EntitlementChange], { description: 'Tier entitlements that worsen or disappear.' })
  entitlementsLost: EntitlementChange[];
}

@ObjectType({ description: "A draft's impact over every customer in the database; writes nothing." })
export class RuleSimulation {
  @Field(() => Int)
  customers: number;

  @Field(() => Int, { description: 'Customers whose tier (or coverage) would change.' })
  moving: number;

  @Field(() => [TierMovement], { description: 'The current-tier × new-tier matrix; cells with customers only.' })
  movements: TierMovement[];

  @Field(() => Int, { description: 'Milliseconds the simulation took.' })
  tookMs: number;
}

@ObjectType()
export class RuleDraftPayload {
  @Field(() => RuleDraft, { nullable: true })
  draft: RuleDraft | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType()
export class TierProgramCreatePayload {
  @Field(() => TierProgram, { nullable: true, description: 'The new program: no version is in force until its first draft is approved and published.' })
  program: TierProgram | null;

  @Field(() => RuleDraft, { nullable: true, description: "The program's first version, as a draft." })
  draft: RuleDraft | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType()
export class RuleSetPublishPayload {
  @Field(() => RuleDraft, { nullable: true, description: 'The published draft (null for a rollback).' })
  draft: RuleDraft | null;

  @Field(() => RuleSetVersion, { nullable: true })
  version: RuleSetVersion | null;

  @Field(() => RetierJob, { nullable: true, description: 'The background job re-tiering every customer.' })
  retierJob: RetierJob | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

