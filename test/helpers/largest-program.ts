import { RULE_LIMITS } from '../../src/rules/rule-schema';

/**
 * The costliest program the validator accepts, over rules/catalog.json: 50 tiers, each rule
 * and appliesTo at the condition limit (200), with a `not` chain at the depth limit (8), and
 * lists, strings and numbers on every operator; used by RELIABILITY.md R3 to show that
 * evaluation stays bounded.
 */
export const MAX_TIERS = 50;

type Node = Record<string, unknown>;

const industries = Array.from({ length: 20 }, (_, i) => `industry-${i}`);

function leaf(seed: number): Node {
  switch (seed % 6) {
    case 0:
      return { fact: 'balance', operator: 'greaterThanInclusive', value: (seed % 97) * 10_000 };
    case 1:
      return { fact: 'monthlySpend', operator: 'lessThan', value: 1_000 + (seed % 89) * 500 };
    case 2:
      return { fact: 'industry', operator: seed % 2 ? 'in' : 'notIn', value: industries.slice(0, 1 + (seed % industries.length)) };
    case 3:
      return { fact: 'tags', operator: seed % 2 ? 'contains' : 'doesNotContain', value: `tag-${seed % 13}` };
    case 4:
      return { fact: 'tenureMonths', operator: seed % 2 ? 'greaterThan' : 'lessThanInclusive', value: seed % 240 };
    default:
      return { fact: 'hasLoans', operator: seed % 2 ? 'equal' : 'notEqual', value: seed % 3 === 0 };
  }
}

/**
 * Exactly RULE_LIMITS.maxNodes conditions, RULE_LIMITS.maxDepth levels deep: `gate` and
 * an `any` of a `not` chain and groups of leaves, all under a root `all`.
 */
export function largestConditionTree(seed: number, gate: Node): Node {
  const chainLength = RULE_LIMITS.maxDepth - 2; // root `all`, inner `any`, then nots and the leaf
  let chain: Node = leaf(seed);
  for (let i = 0; i < chainLength - 1; i += 1) chain = { not: chain };
  const groups = 9;
  // root + gate + inner any + chain + groups + leaves = maxNodes
  const leaves = RULE_LIMITS.maxNodes - 3 - chainLength - groups;
  const perGroup = Math.floor(leaves / groups);
  const children: Node[] = Array.from({ length: groups }, (_, g) => ({
    [g % 2 ? 'all' : 'any']: Array.from({ length: perGroup + (g < leaves % groups ? 1 : 0) }, (_, i) => leaf(seed * 7 + g * 31 + i)),
  }));
  return { all: [gate, { any: [chain, ...children] }] };
}

export function largestProgram(key: string) {
  return {
    key,
    name: 'Largest allowed program',
    appliesTo: largestConditionTree(1_000, { fact: 'tenureMonths', operator: 'lessThan', value: 290 }),
    tiers: Array.from({ length: MAX_TIERS }, (_, i) => ({
      key: `T${i}`,
      name: `Tier ${i}`,
      rank: MAX_TIERS - i,
      // Balance bands spread customers over the tiers; the rest of each rule rarely fails.
      conditions: largestConditionTree(i + 1, { fact: 'balance', operator: 'greaterThanInclusive', value: (MAX_TIERS - 1 - i) * 20_000 }),
    })),
  };
}

/** Customers whose facts touch every fact the program reads, spread across its thresholds. */
export function customerFacts(i: number): Record<string, unknown> {
  return {
    customerType: 'individual',
    balance: (i * 7_919) % 1_000_000,
    monthlySpend: (i * 104_729) % 50_000,
    industry: i % 3 ? `industry-${i % 25}` : 'retail',
    tags: [`tag-${i % 13}`, `tag-${(i * 5) % 13}`],
    tenureMonths: i % 300,
    hasLoans: i % 2 === 0,
  };
}
