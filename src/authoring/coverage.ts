import type { FactType } from '../facts/fact-types';
import type { ProgramDocument } from '../programs/rule-set-version.entity';
import { FULL, IntervalSet, complement, contains, describeSet, intersect, interval, isEmpty, isFull, point, union } from './intervals';

/** The warnings coverage analysis gives, and what each means. */
export const RULE_WARNING_CODES = {
  COVERAGE_GAP: 'Values of a numeric fact that no tier accepts: customers with them get no tier.',
  HIDDEN_OVERLAP: 'A lower tier whose customers a higher tier takes first, so rank alone decides between them.',
  UNREACHABLE_TIER: 'A tier no customer can reach: its conditions contradict each other, or higher tiers take every customer it accepts.',
} as const;

export type RuleWarningCode = keyof typeof RULE_WARNING_CODES;

/** Something in a valid document that is probably not what the editor meant. */
export interface RuleWarningData {
  code: RuleWarningCode;
  path: (string | number)[];
  message: string;
}

type Node = Record<string, unknown>;
type FactTypeOf = (key: string) => FactType | undefined;

/** The numbers a leaf accepts for its fact, or null when the leaf says nothing about numbers. */
function leafSet(leaf: Node, factTypeOf: FactTypeOf): IntervalSet | null {
  const { fact, operator, value } = leaf;
  if (typeof fact !== 'string' || factTypeOf(fact) !== 'NUMBER') return null;
  const numbers = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : null);
  if (typeof value === 'number') {
    switch (operator) {
      case 'greaterThan':
        return interval(value, true, Infinity, true);
      case 'greaterThanInclusive':
        return interval(value, false, Infinity, true);
      case 'lessThan':
        return interval(-Infinity, true, value, true);
      case 'lessThanInclusive':
        return interval(-Infinity, true, value, false);
      case 'equal':
        return point(value);
      case 'notEqual':
        return complement(point(value));
    }
  }
  const list = numbers(value);
  if (list && operator === 'in') return union(...list.map(point));
  if (list && operator === 'notIn') return complement(union(...list.map(point)));
  return null;
}

/**
 * The values of `fact` for which the condition can pass, over-approximated: conditions
 * on other facts count as "anything". A value outside it can never pass, whatever else
 * the customer's facts say.
 */
function projection(node: Node, fact: string, factTypeOf: FactTypeOf): IntervalSet {
  if (Array.isArray(node.all)) return (node.all as Node[]).reduce((acc, c) => intersect(acc, projection(c, fact, factTypeOf)), FULL);
  if (Array.isArray(node.any)) {
    const children = node.any as Node[];
    return children.length === 0 ? FULL : union(...children.map((c) => projection(c, fact, factTypeOf)));
  }
  if (node.not && typeof node.not === 'object') {
    const child = node.not as Node;
    const exact = child.fact === fact ? leafSet(child, factTypeOf) : null;
    return exact ? complement(exact) : FULL;
  }
  return node.fact === fact ? (leafSet(node, factTypeOf) ?? FULL) : FULL;
}

/** A rule that is exactly a box over numeric facts (a leaf or nested `all` of numeric leaves), else null. */
function box(node: Node, factTypeOf: FactTypeOf): Map<string, IntervalSet> | null {
  const dims = new Map<string, IntervalSet>();
  const visit = (n: Node): boolean => {
    if (Array.isArray(n.all)) return (n.all as Node[]).every(visit);
    if ('any' in n || 'not' in n) return false;
    const set = leafSet(n, factTypeOf);
    if (!set) return false;
    const fact = n.fact as string;
    dims.set(fact, intersect(dims.get(fact) ?? FULL, set));
    return true;
  };
  return visit(node) ? dims : null;
}

const boxEmpty = (b: Map<string, IntervalSet>) => [...b.values()].some(isEmpty);
const boxMeet = (a: Map<string, IntervalSet>, b: Map<string, IntervalSet>) => {
  const out = new Map(a);
  for (const [fact, set] of b) out.set(fact, intersect(out.get(fact) ?? FULL, set));
  return out;
};
const boxWithin = (inner: Map<string, IntervalSet>, outer: Map<string, IntervalSet>) =>
  [...outer].every(([fact, set]) => contains(set, inner.get(fact) ?? FULL));
const describeBox = (b: Map<string, IntervalSet>) =>
  [...b].filter(([, set]) => !isFull(set)).map(([fact, set]) => `${fact} ${describeSet(set)}`).join(' and ') || 'every customer';

function numericFacts(node: unknown, factTypeOf: FactTypeOf, out: Set<string>): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => numericFacts(n, factTypeOf, out));
  else if (node && typeof node === 'object') {
    const n = node as Node;
    if (typeof n.fact === 'string' && factTypeOf(n.fact) === 'NUMBER') out.add(n.fact);
    for (const key of ['all', 'any', 'not']) if (key in n) numericFacts(n[key], factTypeOf, out);
  }
  return out;
}

/** What each tier accepts of one numeric fact, and the values no tier accepts. */
export interface FactCoverage {
  fact: string;
  /** The values the program covers: what appliesTo lets through. */
  domain: IntervalSet;
  /** By rank, highest first: the values each tier can accept, whatever its other conditions. */
  tiers: { key: string; accepts: IntervalSet }[];
  gaps: IntervalSet;
}

/**
 * Per numeric fact the ladder names, what each tier accepts and where the gaps are: the
 * picture behind the COVERAGE_GAP warnings. Sound like them: a gap is real.
 */
export function coverageByFact(document: ProgramDocument, factTypeOf: FactTypeOf): FactCoverage[] {
  const tiers = [...document.tiers].sort((a, b) => b.rank - a.rank);
  return [...numericFacts(tiers.map((t) => t.conditions), factTypeOf, new Set())].map((fact) => {
    const domain = document.appliesTo ? projection(document.appliesTo as Node, fact, factTypeOf) : FULL;
    const accepted = tiers.map((t) => ({ key: t.key, accepts: intersect(domain, projection(t.conditions as Node, fact, factTypeOf)) }));
    const gaps = intersect(domain, complement(union(...accepted.map((t) => t.accepts))));
    return { fact, domain, tiers: accepted, gaps };
  });
}

/**
 * Warnings about numeric thresholds in a valid document: values of a fact that no tier
 * accepts (gaps), lower tiers whose customers a higher tier takes first (overlaps that
 * rank decides), and tiers no customer can ever reach. Gaps are sound: rules on other
 * facts only widen what a tier might accept, so a reported gap is real.
 */
export function analyzeCoverage(document: ProgramDocument, factTypeOf: FactTypeOf): RuleWarningData[] {
  const warnings: RuleWarningData[] = [];
  const tiers = document.tiers.map((t, index) => ({ ...t, index })).sort((a, b) => b.rank - a.rank);
  const conditions = (t: (typeof tiers)[number]) => t.conditions as Node;

  for (const { fact, gaps } of coverageByFact(document, factTypeOf)) {
    if (!isEmpty(gaps)) {
      warnings.push({
        code: 'COVERAGE_GAP',
        path: ['tiers'],
        message: `customers with ${fact} ${describeSet(gaps)} match no tier; add a tier for them, or a fallback tier with conditions { "all": [] }`,
      });
    }
  }

  const boxes = tiers.map((t) => box(conditions(t), factTypeOf));
  tiers.forEach((tier, i) => {
    const mine = boxes[i];
    if (!mine) return;
    const path = ['tiers', tier.index, 'conditions'];
    if (boxEmpty(mine)) {
      warnings.push({ code: 'UNREACHABLE_TIER', path, message: `tier ${tier.key} can never match: its conditions contradict each other` });
      return;
    }
    const higher = tiers.slice(0, i).map((t, j) => ({ tier: t, box: boxes[j] }));
    const shadow = higher.find((h) => h.box && boxWithin(mine, h.box));
    if (shadow) {
      warnings.push({
        code: 'UNREACHABLE_TIER',
        path,
        message: `tier ${tier.key} can never match: every customer it accepts matches ${shadow.tier.key} (rank ${shadow.tier.rank}) first`,
      });
      return;
    }
    // A lone numeric fact: the higher tiers together may cover it even when none does alone.
    const [onlyFact] = mine.size === 1 ? [...mine.keys()] : [];
    if (onlyFact && higher.every((h) => h.box && h.box.size <= 1 && (h.box.size === 0 || h.box.has(onlyFact)))) {
      const taken = union(...higher.map((h) => h.box!.get(onlyFact) ?? FULL));
      if (contains(taken, mine.get(onlyFact)!)) {
        warnings.push({ code: 'UNREACHABLE_TIER', path, message: `tier ${tier.key} can never match: higher tiers take every ${onlyFact} it accepts` });
        return;
      }
    }
    // Only a band (bounded on both sides) that a higher tier cuts into is suspicious: a
    // ladder of lower bounds ("balance ≥ 50,000") overlaps the tiers above it by design.
    const band = [...mine.values()].some((set) => set.length > 0 && set[0].lo > -Infinity && set[set.length - 1].hi < Infinity);
    if (!band) return;
    const overlaps = higher.filter((h) => h.box && !boxEmpty(boxMeet(mine, h.box)));
    if (overlaps.length) {
      const where = overlaps.map((h) => `${h.tier.key} where ${describeBox(boxMeet(mine, h.box!))}`).join('; ');
      warnings.push({
        code: 'HIDDEN_OVERLAP',
        path,
        message: `tier ${tier.key} overlaps higher-ranked tiers, which win there: ${where}`,
      });
    }
  });
  return warnings;
}
