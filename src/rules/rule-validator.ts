import { FactType, describe, factValueProblem } from '../facts/fact-types';

/** One problem found in a rule document; `path` is relative to the document checked. */
export interface RuleProblem {
  code: 'INVALID_RULE' | 'UNKNOWN_FACT' | 'TYPE_MISMATCH';
  path: (string | number)[];
  message: string;
}

export const RULE_LIMITS = { maxDepth: 8, maxNodes: 200, maxBytes: 32_768, maxListItems: 500 } as const;

const NUMERIC_OPERATORS = ['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'];
const EQUALITY_OPERATORS = ['equal', 'notEqual'];
const LIST_OPERATORS = ['in', 'notIn'];
const CONTAINS_OPERATORS = ['contains', 'doesNotContain'];
/** json-rules-engine's built-in operators; decorated and custom operators are not accepted. */
export const OPERATORS = [...EQUALITY_OPERATORS, ...LIST_OPERATORS, ...CONTAINS_OPERATORS, ...NUMERIC_OPERATORS];

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const BOOLEAN_OPERATORS = ['all', 'any', 'not'] as const;

type Catalog = (factKey: string) => FactType | undefined;

/** Checks a tier rule document `{ conditions: … }`: shape first, then meaning. */
export function validateRuleDocument(doc: unknown, factTypeOf: Catalog): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (!isPlainObject(doc)) {
    return [{ code: 'INVALID_RULE', path: [], message: 'a rule must be an object like { "conditions": { "all": [ … ] } }' }];
  }
  if (!checkSize(doc, [], problems)) return problems;
  for (const key of Object.keys(doc)) {
    if (key !== 'conditions') {
      problems.push({
        code: 'INVALID_RULE',
        path: [key],
        message: key === 'event' ? 'event is set by Strata (its type is the tier key); leave it out' : `unexpected key "${key}"; a rule has only "conditions"`,
      });
    }
  }
  if (!('conditions' in doc)) {
    problems.push({ code: 'INVALID_RULE', path: ['conditions'], message: 'conditions is required' });
    return problems;
  }
  new TreeChecker(factTypeOf, problems).checkRoot(doc.conditions, ['conditions']);
  return problems;
}

/** Checks a bare condition tree such as a program's `appliesTo`. */
export function validateConditionTree(tree: unknown, factTypeOf: Catalog): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (!checkSize(tree, [], problems)) return problems;
  new TreeChecker(factTypeOf, problems).checkRoot(tree, []);
  return problems;
}

function checkSize(value: unknown, path: (string | number)[], problems: RuleProblem[]): boolean {
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
  if (bytes > RULE_LIMITS.maxBytes) {
    problems.push({ code: 'INVALID_RULE', path, message: `rule is ${bytes} bytes; the limit is ${RULE_LIMITS.maxBytes}` });
    return false;
  }
  return true;
}

class TreeChecker {
  private nodes = 0;
  constructor(
    private readonly factTypeOf: Catalog,
    private readonly problems: RuleProblem[],
  ) {}

  checkRoot(node: unknown, path: (string | number)[]): void {
    if (!isPlainObject(node) || !BOOLEAN_OPERATORS.some((op) => op in node)) {
      this.fail('INVALID_RULE', path, 'conditions must start with "all", "any" or "not"');
      return;
    }
    this.check(node, path, 1);
  }

  private check(node: unknown, path: (string | number)[], depth: number): void {
    if (++this.nodes === RULE_LIMITS.maxNodes + 1) {
      this.fail('INVALID_RULE', path, `too many conditions; the limit is ${RULE_LIMITS.maxNodes}`);
    }
    if (this.nodes > RULE_LIMITS.maxNodes) return;
    if (depth > RULE_LIMITS.maxDepth) {
      this.fail('INVALID_RULE', path, `conditions nest deeper than ${RULE_LIMITS.maxDepth} levels`);
      return;
    }
    if (!isPlainObject(node)) {
      this.fail('INVALID_RULE', path, `a condition must be an object, got ${describe(node)}`);
      return;
    }
    for (const key of Object.keys(node)) {
      if (FORBIDDEN_KEYS.has(key)) this.fail('INVALID_RULE', [...path, key], `"${key}" is not allowed as a key`);
    }
    const combinators = BOOLEAN_OPERATORS.filter((op) => op in node);
    if (combinators.length > 1) {
      this.fail('INVALID_RULE', path, `a condition has one of "all", "any" or "not", not ${combinators.join(' and ')}`);
      return;
    }
    const [combinator] = combinators;
    if (combinator) this.checkBranch(node, combinator, path, depth);
    else this.checkLeaf(node, path);
  }

  private checkBranch(node: Record<string, unknown>, combinator: (typeof BOOLEAN_OPERATORS)[number], path: (string | number)[], depth: number) {
    for (const key of Object.keys(node)) {
      if (key !== combinator && !FORBIDDEN_KEYS.has(key)) {
        this.fail('INVALID_RULE', [...path, key], `unexpected key "${key}" beside "${combinator}"`);
      }
    }
    const child = node[combinator];
    if (combinator === 'not') {
      if (Array.isArray(child)) this.fail('INVALID_RULE', [...path, 'not'], '"not" takes one condition, not a list');
      else this.check(child, [...path, 'not'], depth + 1);
      return;
    }
    if (!Array.isArray(child)) {
      this.fail('INVALID_RULE', [...path, combinator], `"${combinator}" takes a list of conditions`);
      return;
    }
    child.forEach((c, i) => this.check(c, [...path, combinator, i], depth + 1));
  }

  private checkLeaf(node: Record<string, unknown>, path: (string | number)[]) {
    for (const key of Object.keys(node)) {
      if (key === 'fact' || key === 'operator' || key === 'value' || FORBIDDEN_KEYS.has(key)) continue;
      const message =
        key === 'path'
          ? '"path" is not allowed: compare a fact of its own instead'
          : key === 'condition'
            ? 'shared condition references are not supported; write the condition out'
            : `unexpected key "${key}"; a condition has "fact", "operator" and "value"`;
      this.fail('INVALID_RULE', [...path, key], message);
    }
    const { fact, operator } = node;
    if (typeof fact !== 'string' || fact === '') {
      this.fail('INVALID_RULE', [...path, 'fact'], 'fact must name a fact from the catalog');
      return;
    }
    if (typeof operator !== 'string' || !OPERATORS.includes(operator)) {
      this.fail('INVALID_RULE', [...path, 'operator'], `unknown operator ${describe(operator)}; use one of ${OPERATORS.join(', ')}`);
      return;
    }
    if (!('value' in node)) {
      this.fail('INVALID_RULE', [...path, 'value'], 'value is required');
      return;
    }
    const type = this.factTypeOf(fact);
    if (!type) {
      this.fail('UNKNOWN_FACT', [...path, 'fact'], `unknown fact "${fact}"; define it in the fact catalog first`);
      return;
    }
    this.checkValue(type, fact, operator, node.value, [...path, 'value']);
  }

  private checkValue(type: FactType, fact: string, operator: string, value: unknown, path: (string | number)[]) {
    if (isPlainObject(value)) {
      this.fail('INVALID_RULE', path, 'value must be a literal; comparing with another fact is not supported');
      return;
    }
    const mismatch = (message: string) => this.fail('TYPE_MISMATCH', path, message);
    if (NUMERIC_OPERATORS.includes(operator)) {
      if (type !== 'NUMBER') return mismatch(`${operator} compares numbers, but "${fact}" is ${type}`);
      const problem = factValueProblem('NUMBER', value);
      if (problem) mismatch(`${operator} on "${fact}": ${problem}`);
    } else if (EQUALITY_OPERATORS.includes(operator)) {
      if (type === 'STRING_LIST') return mismatch(`"${fact}" is a list; use contains or doesNotContain`);
      const problem = factValueProblem(type, value);
      if (problem) mismatch(`"${fact}" is ${type}: ${problem}`);
    } else if (LIST_OPERATORS.includes(operator)) {
      if (type === 'STRING_LIST') return mismatch(`"${fact}" is a list; use contains or doesNotContain`);
      if (!Array.isArray(value)) return mismatch(`${operator} takes a list of values, got ${describe(value)}`);
      if (value.length > RULE_LIMITS.maxListItems) return mismatch(`lists hold at most ${RULE_LIMITS.maxListItems} values`);
      value.forEach((item, i) => {
        const problem = factValueProblem(type, item);
        if (problem) this.fail('TYPE_MISMATCH', [...path, i], `"${fact}" is ${type}: ${problem}`);
      });
    } else if (CONTAINS_OPERATORS.includes(operator)) {
      if (type !== 'STRING_LIST') return mismatch(`${operator} needs a list fact, but "${fact}" is ${type}; use equal or in`);
      if (typeof value !== 'string') mismatch(`${operator} looks for one string, got ${describe(value)}`);
    }
  }

  private fail(code: RuleProblem['code'], path: (string | number)[], message: string) {
    this.problems.push({ code, path, message });
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
