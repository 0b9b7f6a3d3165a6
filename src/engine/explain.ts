import { ConditionAst, Leaf, factReader, leafClosure, parseConditions } from './compile';
import { Facts, RuleOutcome } from './types';

/** One rule evaluated: its verdict and the condition tree json-rules-engine would report. */
export interface ExplainedRule {
  passed: boolean;
  /** `Condition.toJSON(false)` after a run: leaves carry factResult, valueResult and result. */
  tree: Record<string, unknown>;
}

export type Explainer = (facts: Facts) => ExplainedRule;

/**
 * A condition tree compiled to a closure that answers json-rules-engine's result tree
 * without running json-rules-engine, whose promise-per-condition evaluation took 80 ms of
 * main-thread CPU per customer on the largest program. It reproduces what the engine
 * reports for the grammar the compiler accepts (conditions carry no priorities, so the
 * engine evaluates every condition of a group, never short-circuiting):
 *
 * - boolean nodes: `{ priority: 1, all | any | not }` (the engine gives every boolean
 *   condition priority 1 and reports no result on them);
 * - leaves: `{ operator, value, fact, factResult?, valueResult, result }`, factResult
 *   absent when the customer lacks the fact.
 *
 * Differential-tested against json-rules-engine (test/helpers/fidelity.ts). Throws
 * NotCompilable for what the compiler refuses; such rules are explained by the engine.
 */
export function compileExplainer(conditions: unknown): Explainer {
  const explain = nodeExplainer(parseConditions(conditions));
  return (facts) => {
    const { result, tree } = explain(facts);
    return { passed: result, tree };
  };
}

type NodeExplainer = (facts: Facts) => { result: boolean; tree: Record<string, unknown> };

function nodeExplainer(node: ConditionAst): NodeExplainer {
  switch (node.kind) {
    case 'leaf':
      return leafExplainer(node.leaf);
    case 'not': {
      const child = nodeExplainer(node.child);
      return (f) => {
        const inner = child(f);
        return { result: !inner.result, tree: { priority: 1, not: inner.tree } };
      };
    }
    case 'all':
    case 'any': {
      const { kind } = node;
      const children = node.children.map(nodeExplainer);
      return (f) => {
        const explained = children.map((child) => child(f));
        const results = explained.map((e) => e.result);
        // Like json-rules-engine, an empty `any` passes.
        const result = explained.length === 0 || (kind === 'all' ? results.every(Boolean) : results.some(Boolean));
        return { result, tree: { priority: 1, [kind]: explained.map((e) => e.tree) } };
      };
    }
  }
}

function leafExplainer(leaf: Leaf): NodeExplainer {
  const test = leafClosure(leaf);
  const read = factReader(leaf.fact);
  const { operator, value, fact } = leaf;
  return (f) => {
    const result = test(f);
    const factResult = read(f);
    const tree: Record<string, unknown> = factResult === undefined ? { operator, value, fact } : { operator, value, fact, factResult };
    tree.valueResult = value;
    tree.result = result;
    return { result, tree };
  };
}

/** One leaf of an evaluated condition tree, flattened: what a screen lists line by line. */
export interface EvaluatedCondition {
  /** The tier whose rule holds the condition; null for the program's appliesTo. */
  tierKey: string | null;
  /** Where the leaf sits in the explanation, e.g. ["outcomes","0","conditions","all","1"]. */
  path: string[];
  fact: string;
  operator: string;
  threshold: unknown;
  /** The customer's value; undefined when the customer lacks the fact. */
  actual: unknown;
  passed: boolean;
}

/** Every leaf of the explanation's trees (appliesTo first, then each outcome), in tree order. */
export function flattenConditions(outcomes: readonly RuleOutcome[], appliesTo: Record<string, unknown> | null): EvaluatedCondition[] {
  const out: EvaluatedCondition[] = [];
  const walk = (node: unknown, tierKey: string | null, path: string[]) => {
    if (typeof node !== 'object' || node === null) return;
    const n = node as Record<string, unknown>;
    if (typeof n.fact === 'string') {
      out.push({ tierKey, path, fact: n.fact, operator: String(n.operator), threshold: n.value, actual: n.factResult, passed: n.result === true });
      return;
    }
    for (const group of ['all', 'any'] as const) {
      if (Array.isArray(n[group])) (n[group] as unknown[]).forEach((child, i) => walk(child, tierKey, [...path, group, String(i)]));
    }
    if (n.not !== undefined) walk(n.not, tierKey, [...path, 'not']);
  };
  if (appliesTo) walk(appliesTo, null, ['appliesTo']);
  outcomes.forEach((o, i) => walk(o.conditions, o.tierKey, ['outcomes', String(i), 'conditions']));
  return out;
}
