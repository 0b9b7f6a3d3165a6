import { MaxLength, MinLength } from 'class-validator';
import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Customer } from '../customers/customer.entity';
import { RuleSetVersion } from '../programs/rule-set-version.entity';
import { TierProgram } from '../programs/tier-program.entity';
import { Tier } from '../programs/tier.entity';
import { describedEnum } from '../shared/described-enum';
import { JSONObjectScalar, JSONScalar } from '../shared/scalars';
import { UserError } from '../shared/user-error';
import { RetierJob } from '../retier/retier-job.entity';
import { RULE_WARNING_CODES, type RuleWarningCode } from './coverage';
import { RuleDraft } from './rule-draft.entity';

const RuleWarningCodeEnum = describedEnum('RuleWarningCode', 'What a coverage warning is about.', RULE_WARNING_CODES);

@ObjectType({ description: 'One entitlement value a draft tier gives.' })
export class DraftTierEntitlement {
  @Field({ description: "The entitlement's catalog key." })
  key: string;

  @Field(() => JSONScalar, { description: "The value the tier would give, of the entitlement's type." })
  value: unknown;
}

/**
 * A tier as a draft's document has it. It is not published, so it has no id and is no
 * Node: its key names it within its draft, and it changes with every edit.
 */
@ObjectType({ description: "A tier as a draft's document has it: not published, so it has no id; its key names it within the draft." })
export class DraftTier {
  @Field({ description: 'The tier key, unique within the program.' })
  key: string;

  @Field({ description: 'Display name.' })
  name: string;

  @Field(() => Int, { description: 'Higher is better.' })
  rank: number;

  @Field(() => JSONObjectScalar, { description: 'Who would earn the tier: a condition tree { all | any | not }, the shape of Tier.conditions.' })
  conditions: Record<string, unknown>;

  @Field(() => [DraftTierEntitlement], { description: 'What the tier would give.' })
  entitlements: DraftTierEntitlement[];

  /** Time rules (DraftTierTimeResolver answers them with their defaults). */
  protected?: boolean;
  minimumStayDays?: number;
}

@ObjectType({ description: 'Something valid but probably unintended, such as customers no tier accepts.' })
export class RuleWarning {
  @Field(() => RuleWarningCodeEnum, { description: 'What kind of warning it is.' })
  code: RuleWarningCode;

  @Field(() => [String], { description: 'Path inside the draft, e.g. ["document","tiers",2,"conditions","all",0,"value"].' })
  field: string[];

  @Field({ description: 'What is probably wrong, in words.' })
  message: string;
}

@ObjectType({ description: 'An interval of numbers; a missing bound is unbounded on that side.' })
export class NumberRange {
  @Field(() => Float, { nullable: true, description: 'The lower bound; null = no lower bound.' })
  min: number | null;

  @Field({ description: 'Whether min itself is in the range.' })
  minIncluded: boolean;

  @Field(() => Float, { nullable: true, description: 'The upper bound; null = no upper bound.' })
  max: number | null;

  @Field({ description: 'Whether max itself is in the range.' })
  maxIncluded: boolean;
}

@ObjectType({ description: 'What one tier can accept of a numeric fact, whatever its other conditions say.' })
export class TierFactRange {
  @Field({ description: 'The tier key in the draft.' })
  tierKey: string;

  @Field(() => [NumberRange], { description: 'The values the tier can accept, ascending; empty = none.' })
  accepts: NumberRange[];
}

@ObjectType({ description: "A numeric fact the ladder names, as a number line: each tier's ranges and the gaps no tier accepts." })
export class FactCoverage {
  @Field({ description: 'The fact key.' })
  fact: string;

  @Field(() => [NumberRange], { description: 'The values the program covers (what appliesTo lets through), ascending.' })
  domain: NumberRange[];

  @Field(() => [TierFactRange], { description: 'Each tier, highest rank first.' })
  tiers: TierFactRange[];

  @Field(() => [NumberRange], { description: 'Values no tier accepts, ascending; customers with them get no tier (the COVERAGE_GAP warnings).' })
  gaps: NumberRange[];
}

@ObjectType({ description: 'An example the draft must classify as stated: facts and the tier they must get.' })
export class RuleTestCase {
  @Field({ description: 'The example\'s name, unique in its draft.' })
  name: string;

  @Field(() => JSONObjectScalar, { description: 'The facts of the example customer.' })
  facts: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: 'Null = the customer must match no tier.' })
  expectedTierKey: string | null;
}

@InputType({ description: 'An example the draft must classify as stated.' })
export class RuleTestCaseInput {
  @Field({ description: 'The example\'s name, unique in its draft.' })
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @Field(() => JSONObjectScalar, { description: 'The facts of the example customer, checked against the catalog.' })
  facts: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: 'Null = the customer must match no tier.' })
  expectedTierKey?: string | null;
}

@ObjectType({ description: 'A test case\'s outcome under the draft.' })
export class RuleTestResult {
  @Field({ description: 'The test case\'s name.' })
  name: string;

  @Field(() => String, { nullable: true, description: 'The tier the test case expects; null = no tier.' })
  expectedTierKey: string | null;

  @Field(() => DraftTier, { nullable: true, description: 'The expected tier as the draft has it; null = no tier, or a key the draft no longer has.' })
  expectedTier: DraftTier | null;

  @Field(() => String, { nullable: true, description: 'Null when no tier matched or the program does not cover these facts.' })
  actualTierKey: string | null;

  @Field(() => DraftTier, { nullable: true, description: 'The tier the draft gives; null when none.' })
  actualTier: DraftTier | null;

  @Field({ description: 'Whether the draft gives the expected tier.' })
  passed: boolean;
}

@ObjectType({ description: 'Validation of a draft against the current catalogs; run on every read.' })
export class RuleDraftValidation {
  @Field(() => [UserError], { description: 'Problems that block submitting and publishing.' })
  errors: UserError[];

  @Field(() => [RuleWarning], { description: 'Valid but probably unintended: coverage gaps, hidden overlaps, unreachable tiers.' })
  warnings: RuleWarning[];

  @Field(() => [FactCoverage], { description: 'Per numeric fact the tiers name, what each tier accepts and where the gaps are; empty while there are errors.' })
  coverage: FactCoverage[];

  @Field(() => [RuleTestResult], { description: 'Every test case\'s outcome under the draft.' })
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
registerEnumType(TierDiffChange, { name: 'TierDiffChange', description: 'How a tier differs between two versions.', valuesConfig: { ADDED: { description: 'Only the newer version has it.' }, REMOVED: { description: 'Only the older version has it.' }, CHANGED: { description: 'Both have it, with differences (see lines).' }, UNCHANGED: { description: 'Both have it as it is.' } } });

@ObjectType({ description: 'How one tier differs between two versions.' })
export class TierDiff {
  @Field({ description: 'The tier compared.' })
  tierKey: string;

  @Field(() => TierDiffChange, { description: 'Whether the tier was added, removed, changed or left as it was.' })
  change: TierDiffChange;

  @Field(() => [String], { description: 'One line per change, e.g. "rule: balance ≥ 500,000 → balance ≥ 600,000".' })
  lines: string[];
}

@ObjectType({ description: 'What changed between two rule documents, per tier, in words.' })
export class RuleSetDiff {
  @Field(() => String, { description: 'e.g. "v3" or "draft"' })
  from: string;

  @Field(() => String, { description: 'e.g. "v4" or "draft"' })
  to: string;

  @Field(() => [String], { description: 'Changes to whom the program covers: its appliesTo, its retirement or reinstatement.' })
  appliesTo: string[];

  @Field(() => [TierDiff], { description: 'Tiers of the newer document by rank, then removed tiers.' })
  tiers: TierDiff[];
}

@ObjectType({ description: 'One entitlement whose value a movement changes.' })
export class EntitlementChange {
  @Field({ description: 'The entitlement\'s catalog key.' })
  key: string;

  @Field(() => JSONScalar, { nullable: true, description: 'The value before; null when the entitlement was not given.' })
  before: unknown;

  @Field(() => JSONScalar, { nullable: true, description: 'The value after; null when the entitlement is no longer given.' })
  after: unknown;
}

@ObjectType({ description: 'Customers moving from one tier to another (or staying).' })
export class TierMovement {
  @Field(() => String, { nullable: true, description: 'Null = no tier (or not covered, see fromCovered).' })
  fromTierKey: string | null;

  @Field(() => Tier, { nullable: true, description: 'The tier they show now, as the version in force has it; null for none.' })
  fromTier: Tier | null;

  @Field({ description: 'Whether the program covers these customers now.' })
  fromCovered: boolean;

  @Field(() => String, { nullable: true, description: 'The tier they would get; null = no tier (or not covered, see toCovered).' })
  toTierKey: string | null;

  @Field(() => DraftTier, { nullable: true, description: 'The tier they would get, as the draft has it (not published, so a DraftTier); null for none.' })
  toTier: DraftTier | null;

  @Field({ description: 'Whether the program would cover them.' })
  toCovered: boolean;

  @Field(() => Int, { description: 'Customers making this move.' })
  count: number;

  @Field(() => [Customer], { description: 'A few of the customers who move (empty when they stay).' })
  sample: Customer[];

  @Field(() => [EntitlementChange], { description: 'Tier entitlements that improve or appear.' })
  entitlementsGained: EntitlementChange[];

  @Field(() => [EntitlementChange], { description: 'Tier entitlements that worsen or disappear.' })
  entitlementsLost: EntitlementChange[];

  @Field(() => [EntitlementChange], { description: 'STRING entitlements whose value changes: strings have no order, so neither gained nor lost.' })
  entitlementsChanged: EntitlementChange[];

  @Field(() => Int, { description: "Of these, customers the draft's time policy would hold in toTier although its rules give a lower tier." })
  held: number;

  @Field(() => Date, { nullable: true, description: 'The earliest instant a held customer of this cell would fall unless they requalify; null when none is held or all are protected.' })
  heldFallFirst: Date | null;

  @Field(() => Date, { nullable: true, description: 'The latest such instant (the same as heldFallFirst under a calendar review).' })
  heldFallLast: Date | null;
}

@ObjectType({ description: "A draft's impact over every customer in the database; writes nothing." })
export class RuleSimulation {
  @Field(() => Int, { description: 'Customers classified: every customer of the database.' })
  customers: number;

  @Field(() => Int, { description: 'Customers whose tier (or coverage) would change.' })
  moving: number;

  @Field(() => [TierMovement], { description: 'The current-tier × new-tier matrix; cells with customers only.' })
  movements: TierMovement[];

  @Field(() => Int, { description: 'Milliseconds the simulation took.' })
  tookMs: number;
}

@ObjectType({ description: 'What draft mutations answer.' })
export class RuleDraftPayload {
  @Field(() => RuleDraft, { nullable: true, description: 'The draft as the call left it; null when refused.' })
  draft: RuleDraft | null;

  @Field(() => [UserError], { description: 'Why the call was refused; when any is listed, nothing was written.' })
  userErrors: UserError[];
}

@ObjectType({ description: 'What tierProgramCreate answers.' })
export class TierProgramCreatePayload {
  @Field(() => TierProgram, { nullable: true, description: 'The new program: no version is in force until its first draft is approved and published.' })
  program: TierProgram | null;

  @Field(() => RuleDraft, { nullable: true, description: "The program's first version, as a draft." })
  draft: RuleDraft | null;

  @Field(() => [UserError], { description: 'Why the call was refused; when any is listed, nothing was written.' })
  userErrors: UserError[];
}

@ObjectType({ description: 'What ruleDraftPublish and ruleSetRollback answer.' })
export class RuleSetPublishPayload {
  @Field(() => RuleDraft, { nullable: true, description: 'The published draft (null for a rollback).' })
  draft: RuleDraft | null;

  @Field(() => RuleSetVersion, { nullable: true, description: 'The version now in force; null when refused.' })
  version: RuleSetVersion | null;

  @Field(() => RetierJob, { nullable: true, description: 'The background job re-tiering every customer.' })
  retierJob: RetierJob | null;

  @Field(() => [UserError], { description: 'Why the call was refused; when any is listed, nothing was written.' })
  userErrors: UserError[];
}

