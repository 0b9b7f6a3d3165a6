/** A customer's facts as stored: catalog key → JSON value. */
export type Facts = Readonly<Record<string, unknown>>;

/** A json-rules-engine leaf condition, as accepted by the rule validator. */
export interface ConditionLeaf {
  fact: string;
  operator: string;
  value: unknown;
}

/** A json-rules-engine condition tree: `all` / `any` / `not` over leaves. */
export type ConditionNode =
  | { all: ConditionNode[] }
  | { any: ConditionNode[] }
  | { not: ConditionNode }
  | ConditionLeaf;

export interface TierDefinition {
  key: string;
  rank: number;
  /** Who earns the tier: a bare condition tree, the shape of appliesTo (Strata wraps it in a json-rules-engine rule itself). */
  conditions: ConditionNode;
}

/** One published version of a program, as the engine needs it. */
export interface ProgramDefinition {
  key: string;
  version: number;
  /** Which customers the program covers; null covers everyone. */
  appliesTo: ConditionNode | null;
  tiers: readonly TierDefinition[];
}

/** One tier's rule as evaluated: json-rules-engine's own condition result tree. */
export interface RuleOutcome {
  tierKey: string;
  passed: boolean;
  conditions: Record<string, unknown>;
}

/** A rule the compiler could not reproduce faithfully, so json-rules-engine decides it. */
export interface RuleFallback {
  /** The tier whose rule falls back; null for the program's appliesTo. */
  tierKey: string | null;
  reason: string;
}

export interface ProgramEvaluation {
  programKey: string;
  version: number;
  /** False when the program's `appliesTo` does not cover the customer. */
  applies: boolean;
  /** The highest-ranked tier whose rule passed; null when none did. */
  matchedTierKey: string | null;
  /** Every tier's outcome, highest rank first (empty when the program does not apply). */
  outcomes: RuleOutcome[];
  /** The `appliesTo` condition tree as evaluated (null when the program covers everyone). */
  appliesTo: Record<string, unknown> | null;
  /** Rules of the version that json-rules-engine decides instead of compiled code. */
  fallbacks: readonly RuleFallback[];
}
