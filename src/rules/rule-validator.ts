import { FactType, describe, factValueProblem } from '../facts/fact-types';
import {
  CONTAINS_OPERATORS,
  EQUALITY_OPERATORS,
  LIST_OPERATORS,
  NUMERIC_OPERATORS,
  OPERATORS,
  RULE_LIMITS,
  checkConditionTreeShape,
} from './rule-schema';

/** One problem found in a condition tree; `path` is relative to the tree checked. */
export interface RuleProblem {
  code: 'INVALID_RULE' | 'UNKNOWN_FACT' | 'TYPE_MISMATCH';
  path: (string | number)[];
  message: string;
}

export { OPERATORS, RULE_LIMITS };

type Catalog = (factKey: string) => FactType | undefined;

/** Checks a condition tree: a tier's conditions or a program's appliesTo. */
export function validateConditionTree(tree: unknown, factTypeOf: Catalog): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (!checkSize(tree, problems)) return problems;
  const shape = checkConditionTreeShape(tree);
  if (shape.length) return shape.map((p) => ({ code: 'INVALID_RULE', ...p }));
  new MeaningChecker(factTypeOf, problems).check(tree, []);
  return problems;
}

function checkSize(value: unknown, problems: RuleProblem[]): boolean {
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
  if (bytes > RULE_LIMITS.maxBytes) {
    problems.push({ code: 'INVALID_RULE', path: [], message: `rule is ${bytes} bytes; the limit is ${RULE_LIMITS.maxBytes}` });
    return false;
  }
  return true;
}

/** What a schema cannot say: facts exist, values fit fact and operator, and the condition count. */
class MeaningChecker {
  private nodes = 0;
  constructor(
    private readonly factTypeOf: Catalog,
    private readonly problems: RuleProblem[],
  ) {}

  check(node: unknown, path: (string | number)[]): void {
    if (++this.nodes === RULE_LIMITS.maxNodes + 1) this.fail('INVALID_RULE', path, `too many conditions; the limit is ${RULE_LIMITS.maxNodes}`);
    if (this.nodes > RULE_LIMITS.maxNodes) return;
    const n = node as Record<string, unknown>;
    if (Array.isArray(n.all)) n.all.forEach((c, i) => this.check(c, [...path, 'all', i]));
    else if (Array.isArray(n.any)) n.any.forEach((c, i) => this.check(c, [...path, 'any', i]));
    else if ('not' in n) this.check(n.not, [...path, 'not']);
    else this.checkLeaf(n as { fact: string; operator: string; value: unknown }, path);
  }

  private checkLeaf({ fact, operator, value }: { fact: string; operator: string; value: unknown }, path: (string | number)[]) {
    const type = this.factTypeOf(fact);
    if (!type) {
      this.fail('UNKNOWN_FACT', [...path, 'fact'], `unknown fact "${fact}"; define it in the fact catalog first`);
      return;
    }
    this.checkValue(type, fact, operator, value, [...path, 'value']);
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
