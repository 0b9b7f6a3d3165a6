import { RuleOutcome } from './types';

/** One condition of the next tier up that the customer does not meet yet. */
export interface Requirement {
  fact: string;
  operator: string;
  target: unknown;
  current: unknown;
  /** How far the fact must move (positive = up, negative = down); null when not numeric. */
  gap: number | null;
  message: string;
}

export interface NextTier {
  tierKey: string;
  requirements: Requirement[];
  /** True when meeting the numeric gaps alone would reach the tier. */
  onlyNumeric: boolean;
}

// One formatter for every number: `toLocaleString` builds a new one per call (about 20 µs each).
const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 });

export function formatNumber(n: number): string {
  return NUMBER.format(n);
}

const WORDS: Record<string, string> = {
  greaterThanInclusive: 'at least',
  greaterThan: 'above',
  lessThanInclusive: 'at most',
  lessThan: 'below',
};

function leafRequirement(leaf: Record<string, unknown>): Requirement {
  const fact = String(leaf.fact);
  const operator = String(leaf.operator);
  const target = leaf.value;
  const current = leaf.factResult;
  if (operator in WORDS && typeof target === 'number') {
    const now = typeof current === 'number' ? current : null;
    const gap = now === null ? null : target - now;
    const bound = `${WORDS[operator]} ${formatNumber(target)}`;
    if (gap === null) return { fact, operator, target, current: current ?? null, gap, message: `${fact} must be ${bound} (not known now)` };
    const strict = operator === 'greaterThan' || operator === 'lessThan';
    const amount = `${gap >= 0 ? '+' : '−'}${formatNumber(Math.abs(gap))}`;
    return { fact, operator, target, current, gap, message: `${fact} needs ${strict ? 'more than ' : ''}${amount} (${bound}; now ${formatNumber(now!)})` };
  }
  return { fact, operator, target, current: current ?? null, gap: null, message: `${fact} must satisfy ${operator} ${JSON.stringify(target)} (now ${JSON.stringify(current ?? null)})` };
}

/** What a failed condition tree still needs: every failed leaf of an `all`, the cheapest branch of an `any`. */
function requirements(node: Record<string, unknown>): Requirement[] {
  if (node.result === true) return [];
  if (Array.isArray(node.all)) return (node.all as Record<string, unknown>[]).flatMap(requirements);
  if (Array.isArray(node.any)) {
    const options = (node.any as Record<string, unknown>[]).map(requirements);
    const numeric = options.filter((o) => o.every((r) => r.gap !== null));
    return (numeric.length ? numeric : options).sort((a, b) => a.length - b.length)[0] ?? [];
  }
  if (node.not) return [{ fact: '(not)', operator: 'not', target: null, current: null, gap: null, message: 'a "not" condition must stop holding' }];
  return [leafRequirement(node)];
}

/**
 * "What it would take": the conditions of the tier just above the matched one that fail
 * for this customer, with numeric shortfalls such as "balance needs +37,500".
 */
export function nextTierUp(outcomes: readonly RuleOutcome[], ranks: ReadonlyMap<string, number>, matchedTierKey: string | null): NextTier | null {
  const matchedRank = matchedTierKey === null ? -Infinity : (ranks.get(matchedTierKey) ?? -Infinity);
  const above = outcomes.filter((o) => (ranks.get(o.tierKey) ?? -Infinity) > matchedRank);
  if (above.length === 0) return null;
  const next = above.reduce((a, b) => ((ranks.get(a.tierKey) ?? 0) < (ranks.get(b.tierKey) ?? 0) ? a : b));
  const needed = requirements(next.conditions);
  return { tierKey: next.tierKey, requirements: needed, onlyNumeric: needed.every((r) => r.gap !== null) };
}

/** What a given tier's conditions still need for this customer (a held tier: what keeping it takes); null when the tier is not among the outcomes. */
export function requirementsOf(outcomes: readonly RuleOutcome[], tierKey: string): NextTier | null {
  const outcome = outcomes.find((o) => o.tierKey === tierKey);
  if (!outcome) return null;
  const needed = requirements(outcome.conditions);
  return { tierKey, requirements: needed, onlyNumeric: needed.every((r) => r.gap !== null) };
}
