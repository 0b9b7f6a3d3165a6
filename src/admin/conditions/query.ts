import type { RuleGroupType, RuleType } from 'react-querybuilder';

/** A condition as Strata stores it: json-rules-engine's all / any / not over leaves. */
export type Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition } | ConditionLeaf;

export interface ConditionLeaf {
  fact: string;
  operator: string;
  value: unknown;
}

/** The tree at a tier's conditions or a program's appliesTo: always a combinator. */
export type ConditionTree = Exclude<Condition, ConditionLeaf>;

export type Combinator = 'and' | 'or';
export type QueryRule = RuleType<string, string, unknown>;
export type QueryGroup = RuleGroupType<QueryRule, Combinator>;

/**
 * Strata's condition tree as react-querybuilder's query, for the visual editor. The
 * library has no json-rules-engine format, so this is Strata's own mapping, and the only
 * one: `all` and `any` are groups combined with `and` and `or`; `not` is a group with
 * `not: true` holding the negated condition as its one rule; a leaf is a rule with the
 * fact as its field and json-rules-engine's operator names as the builder's. Every tree
 * the validator accepts comes back equal from toCondition (a property test proves it).
 */
export function toQuery(tree: ConditionTree): QueryGroup {
  if ('all' in tree) return { combinator: 'and', rules: tree.all.map(toItem) };
  if ('any' in tree) return { combinator: 'or', rules: tree.any.map(toItem) };
  return { combinator: 'and', not: true, rules: [toItem(tree.not)] };
}

function toItem(condition: Condition): QueryRule | QueryGroup {
  if ('fact' in condition) return { field: condition.fact, operator: condition.operator, value: condition.value };
  return toQuery(condition);
}

/**
 * The builder's query as Strata's condition tree. A `not` group with one rule negates
 * that rule; with several, it negates their `all` (or `any`), as the builder shows it.
 */
export function toCondition(group: QueryGroup): ConditionTree {
  const items = group.rules.map(fromItem);
  const combined: ConditionTree = group.combinator === 'or' ? { any: items } : { all: items };
  if (!group.not) return combined;
  return { not: items.length === 1 ? items[0] : combined };
}

function fromItem(item: QueryRule | QueryGroup): Condition {
  if ('rules' in item) return toCondition(item);
  return { fact: item.field, operator: item.operator, value: item.value };
}

/**
 * Where the condition at a validator path (e.g. ["all", 1, "any", 0, "value"]) sits in the
 * builder's query, as react-querybuilder's path of indexes ([1, 0]): how a problem the API
 * reports is shown next to the rule it names. A path into a leaf's own keys names the leaf.
 */
export function queryPathOf(conditionPath: readonly (string | number)[]): number[] {
  const path: number[] = [];
  for (let i = 0; i < conditionPath.length; i += 1) {
    const step = conditionPath[i];
    if ((step === 'all' || step === 'any') && i + 1 < conditionPath.length) {
      path.push(Number(conditionPath[i + 1]));
      i += 1;
    } else if (step === 'not') path.push(0);
    else break;
  }
  return path;
}
