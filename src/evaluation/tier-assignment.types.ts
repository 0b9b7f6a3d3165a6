import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Facts } from '../engine';
import type { PublishedProgram } from '../programs/program-registry';
import { TierProgram } from '../programs/tier-program.entity';
import { Tier } from '../programs/tier.entity';
import { describedEnum } from '../shared/described-enum';
import { JSONObjectScalar, JSONScalar } from '../shared/scalars';
import { OPERATOR_MEANINGS } from '../rules/rule-schema';

const ConditionOperatorEnum = describedEnum('ConditionOperator', 'The json-rules-engine operators Strata accepts in conditions.', OPERATOR_MEANINGS);
import { TierOverride } from './tier-override.entity';
import { TierChange, TierChangeCause } from './tier-change.entity';
import { RuleSetVersion } from '../programs/rule-set-version.entity';

export enum AssignmentSource {
  RULE = 'RULE',
  OVERRIDE = 'OVERRIDE',
  HELD = 'HELD',
}
registerEnumType(AssignmentSource, {
  name: 'AssignmentSource',
  description: 'Who decides the tier a customer shows.',
  valuesConfig: {
    RULE: { description: "The program's rules." },
    OVERRIDE: { description: "An account manager's override." },
    HELD: { description: "The program's time policy: the tier is held above the rules' verdict until its review or grace ends (see TierAssignment.held)." },
  },
});

@ObjectType({ description: "One tier's rule as evaluated for the customer." })
export class RuleOutcome {
  @Field({ description: 'The tier whose rule this is.' })
  tierKey: string;

  @Field({ description: 'Whether the customer\'s facts pass the tier\'s rule.' })
  passed: boolean;

  @Field(() => JSONObjectScalar, {
    description: "json-rules-engine's condition tree as evaluated: leaves carry fact, operator, value, factResult and result.",
  })
  conditions: Record<string, unknown>;
}

@ObjectType({ description: 'A condition of the next tier up that the customer does not meet yet.' })
export class TierRequirement {
  @Field({ description: 'The fact the condition compares.' })
  fact: string;

  @Field(() => ConditionOperatorEnum, { description: "The condition's json-rules-engine operator." })
  operator: string;

  @Field(() => JSONScalar, { nullable: true, description: 'The value the condition compares with.' })
  target: unknown;

  @Field(() => JSONScalar, { nullable: true, description: "The customer's value now." })
  current: unknown;

  @Field(() => Float, { nullable: true, description: 'How far the fact must move (negative = down); null when not a numeric comparison.' })
  gap: number | null;

  @Field({ description: 'e.g. "balance needs +37,500 (at least 500,000; now 462,500)"' })
  message: string;
}

@ObjectType({ description: 'What it would take to reach the tier just above.' })
export class NextTier {
  @Field({ description: 'The key of the tier just above (see tier).' })
  tierKey: string;

  @Field(() => Tier, { description: 'The tier just above, with its entitlements.' })
  tier: Tier;

  @Field(() => [TierRequirement], { description: 'Each condition of the tier the customer does not meet yet, with how far it is.' })
  requirements: TierRequirement[];

  @Field({ description: 'True when closing the numeric gaps alone would reach the tier.' })
  onlyNumeric: boolean;
}

@ObjectType({ description: 'A rule Strata could not compile faithfully, so json-rules-engine decides it wherever tiers are computed.' })
export class RuleFallback {
  @Field(() => String, { nullable: true, description: "The tier whose rule falls back; null for the program's appliesTo." })
  tierKey: string | null;

  @Field({ description: 'Why the rule could not be compiled faithfully.' })
  reason: string;
}

@ObjectType({ description: 'One condition of the explanation, evaluated: the flat, typed form of the trees in outcomes and appliesTo.' })
export class EvaluatedCondition {
  @Field(() => String, { nullable: true, description: "The tier whose rule holds the condition; null for the program's appliesTo." })
  tierKey: string | null;

  @Field(() => [String], { description: 'Where the condition sits in the explanation, e.g. ["outcomes","0","conditions","all","1"].' })
  path: string[];

  @Field({ description: 'The fact compared.' })
  fact: string;

  @Field(() => ConditionOperatorEnum, { description: 'The json-rules-engine operator.' })
  operator: string;

  @Field(() => JSONScalar, { nullable: true, description: 'The value the fact is compared with.' })
  threshold: unknown;

  @Field(() => JSONScalar, { nullable: true, description: "The customer's value; null when the customer lacks the fact (see factPresent)." })
  actual: unknown;

  @Field({ description: 'Whether the customer has the fact at all.' })
  factPresent: boolean;

  @Field({ description: 'Whether the condition holds.' })
  passed: boolean;
}

@ObjectType({ description: 'Why the customer has the tier: every tier of the program, highest rank first.' })
export class TierExplanation {
  @Field(() => String, { nullable: true, description: 'The rules\' verdict: the highest-ranked tier whose rule passes; null = none.' })
  matchedTierKey: string | null;

  @Field(() => [RuleOutcome], { description: 'Every tier\'s rule as evaluated, highest rank first.' })
  outcomes: RuleOutcome[];

  @Field(() => JSONObjectScalar, { nullable: true, description: "The program's appliesTo condition as evaluated; null when it covers everyone." })
  appliesTo: Record<string, unknown> | null;

  @Field(() => [EvaluatedCondition], { description: 'Every condition of appliesTo and of each outcome, in tree order, as a flat list.' })
  conditions: EvaluatedCondition[];

  @Field(() => NextTier, { nullable: true, description: 'The tier just above the rules\' verdict and what it needs; null at the top.' })
  nextTier: NextTier | null;

  @Field(() => NextTier, { nullable: true, description: 'For a tier held by the time policy (source HELD): what keeping it takes, its conditions the customer no longer meets; null otherwise.' })
  keepTier: NextTier | null;

  @Field(() => [RuleFallback], {
    description: 'Rules of this version decided by json-rules-engine rather than compiled code (slower, same meaning); empty when every rule compiled.',
  })
  fallbacks: readonly RuleFallback[];
}

export enum TierStatus {
  ACTIVE = 'ACTIVE',
  AT_RISK = 'AT_RISK',
  IN_GRACE = 'IN_GRACE',
}
registerEnumType(TierStatus, {
  name: 'TierStatus',
  description: "Whether the tier shown is secure, in a program with a time policy.",
  valuesConfig: {
    ACTIVE: { description: "The rules give the tier shown (or it is protected, or an override decides)." },
    AT_RISK: { description: 'The rules give a lower tier; the tier shown falls at its review (reviewAt) unless the customer requalifies.' },
    IN_GRACE: { description: 'The rules give a lower tier and the grace period runs; the tier shown falls at heldUntil unless the customer requalifies.' },
  },
});

@ObjectType({ description: "A tier the program's time policy holds above the rules' verdict." })
export class HeldTier {
  @Field(() => TierStatus, { description: 'AT_RISK before the review, IN_GRACE while grace runs; ACTIVE for a protected tier.' })
  status: TierStatus;

  @Field(() => Tier, { nullable: true, description: "The rules' verdict: the tier the customer falls to (one step down first, if the policy says ONE); null = no tier." })
  rulesTier: Tier | null;

  @Field(() => String, { nullable: true, description: "The rules' verdict's key (see rulesTier)." })
  rulesTierKey: string | null;

  @Field({ description: 'When the rules first gave a lower tier.' })
  belowSince: Date;

  @Field(() => Date, { nullable: true, description: 'The review at which the tier is reconsidered (downgrade REVIEW); null otherwise.' })
  reviewAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the tier falls unless the customer requalifies first; null for a protected tier, which never falls by time.' })
  heldUntil: Date | null;

  @Field({ description: 'True when the tier is protected: kept whatever the rules say while the program covers the customer.' })
  protected: boolean;

  @Field({ description: "The program's time zone (IANA): reviews fall at its midnight, and its calendar counts the days of grace." })
  timeZone: string;
}

@ObjectType({ description: "A customer's tier in one program, evaluated from the current facts and the rules in force." })
export class TierAssignment {
  @Field(() => TierProgram, { description: 'The program.' })
  program: TierProgram;

  @Field(() => Tier, { nullable: true, description: 'Null when the customer matches no tier of the program.' })
  tier: Tier | null;

  @Field(() => Int, { description: 'The version of the program whose rules decided.' })
  ruleVersion: number;

  @Field(() => AssignmentSource, { description: 'Whether the rules or an override decide the tier shown.' })
  source: AssignmentSource;

  @Field(() => TierOverride, { nullable: true, description: 'The override in force (source OVERRIDE); the explanation still shows what the rules alone give.' })
  override: TierOverride | null;

  @Field(() => TierStatus, { description: 'ACTIVE, or AT_RISK / IN_GRACE while the time policy holds the tier above the rules\' verdict (see held).' })
  status: TierStatus;

  @Field(() => HeldTier, { nullable: true, description: 'The time policy\'s hold (source HELD): status, the verdict, the review and when the tier falls; null when the rules decide.' })
  held: HeldTier | null;

  @Field({ description: 'When the tier was computed (reads compute it live).' })
  evaluatedAt: Date;

  /** The facts classified, kept for the explanation (a field resolver computes it on demand). */
  facts: Facts;

  /** The program version that classified them. */
  published: PublishedProgram;
}

/**
 * The tier a customer showed at an instant, for a dispute: the history row it rests on (the
 * last change at or before it), the version then in force and an explanation under that
 * version's rules with the facts the customer had at the instant.
 */
@ObjectType({ description: "A customer's tier in a program at a past instant: the last change at or before it, the version then in force, and why, with the facts of then." })
export class TierAsOf {
  @Field({ description: 'The instant asked about.' })
  at: Date;

  @Field(() => TierProgram, { description: 'The program.' })
  program: TierProgram;

  @Field(() => Tier, { nullable: true, description: 'The tier shown then, as the version then in force has it; null for no tier, outside the program, or before any change was recorded.' })
  tier: Tier | null;

  @Field(() => String, { nullable: true, description: "The key of the tier shown then (kept when the version then in force no longer names it)." })
  tierKey: string | null;

  @Field(() => String, { nullable: true, description: "The rules' own verdict then; differs from tierKey when an override decided." })
  rulesTierKey: string | null;

  @Field(() => TierChangeCause, { nullable: true, description: 'What made the tier what it was then; null when no change was recorded by then.' })
  cause: TierChangeCause | null;

  @Field(() => TierChange, { nullable: true, description: 'The history row the answer rests on: the last change at or before the instant.' })
  change: TierChange | null;

  @Field(() => RuleSetVersion, { nullable: true, description: 'The version in force at the instant; null before the first was published.' })
  version: RuleSetVersion | null;

  @Field(() => JSONObjectScalar, { nullable: true, description: "The customer's facts at the instant, from the customer's facts history; null when Strata kept none by then." })
  facts: Record<string, unknown> | null;

  /** The version then in force, compiled, for the explanation. */
  published: PublishedProgram | null;
}
