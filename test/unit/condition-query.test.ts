import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { ConditionTree, QueryGroup, queryPathOf, toCondition, toQuery } from '../../src/admin/conditions/query';
import { SUMMARY_WORDS, summarize } from '../../src/admin/conditions/summary';
import { FactType } from '../../src/facts/fact-types';
import { OPERATORS, RULE_LIMITS, validateConditionTree } from '../../src/rules/rule-validator';

const CATALOG: Record<string, FactType> = { balance: 'NUMBER', tenureMonths: 'NUMBER', industry: 'STRING', hasLoans: 'BOOLEAN', tags: 'STRING_LIST', since: 'DATE' };
const factTypeOf = (key: string) => CATALOG[key];
const accepted = (tree: unknown) => validateConditionTree(tree, factTypeOf).length === 0;

const valueOf: Record<FactType, fc.Arbitrary<unknown>> = {
  NUMBER: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
  STRING: fc.string({ maxLength: 10 }),
  BOOLEAN: fc.boolean(),
  DATE: fc.constantFrom('2024-03-31', '2025-12-01T08:00:00Z', '2024-02-29'),
  STRING_LIST: fc.string({ maxLength: 10 }),
};

const OPERATORS_BY_TYPE: Record<FactType, string[]> = {
  NUMBER: ['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive', 'equal', 'notEqual', 'in', 'notIn'],
  STRING: ['equal', 'notEqual', 'in', 'notIn'],
  BOOLEAN: ['equal', 'notEqual', 'in', 'notIn'],
  DATE: ['equal', 'notEqual', 'in', 'notIn'],
  STRING_LIST: ['contains', 'doesNotContain'],
};

/** A leaf of any fact with each operator its type takes, and a value (or list) of its type. */
const leaf = fc.constantFrom(...Object.keys(CATALOG)).chain((fact) => {
  const type = CATALOG[fact];
  return fc.constantFrom(...OPERATORS_BY_TYPE[type]).chain((operator) =>
    fc.record({ fact: fc.constant(fact), operator: fc.constant(operator), value: operator.endsWith('In') || operator === 'in' ? fc.array(valueOf[type], { maxLength: 4 }) : valueOf[type] }),
  );
});

/** Trees as deep as the validator allows, empty lists included. */
const tree: fc.Arbitrary<ConditionTree> = fc.letrec<{ tree: ConditionTree; node: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', maxDepth: RULE_LIMITS.maxDepth - 1 },
    fc.record({ all: fc.array(tie('node'), { maxLength: 4 }) }),
    fc.record({ any: fc.array(tie('node'), { maxLength: 4 }) }),
    fc.record({ not: tie('node') }),
  ) as fc.Arbitrary<ConditionTree>,
  node: fc.oneof({ depthSize: 'small' }, leaf, tie('tree')),
})).tree.filter(accepted);

/** What a person can build: groups of either combinator, negated or not, with rules and groups in any order. */
const query: fc.Arbitrary<QueryGroup> = fc.letrec<{ group: QueryGroup; item: unknown }>((tie) => ({
  group: fc.record({
    combinator: fc.constantFrom('and' as const, 'or' as const),
    not: fc.boolean(),
    rules: fc.array(tie('item'), { maxLength: 4 }),
  }) as fc.Arbitrary<QueryGroup>,
  item: fc.oneof({ depthSize: 'small', maxDepth: 4 }, leaf.map(({ fact, operator, value }) => ({ field: fact, operator, value })), tie('group')),
})).group;

describe('the condition editor maps Strata conditions to react-querybuilder and back', () => {
  it('draws trees of every operator the validator knows, deep ones too', () => {
    const seen = new Set<string>();
    let deepest = 0;
    const walk = (node: any, depth: number): void => {
      deepest = Math.max(deepest, depth);
      if ('fact' in node) seen.add(node.operator);
      else for (const child of node.all ?? node.any ?? [node.not]) walk(child, depth + 1);
    };
    for (const sample of fc.sample(tree, 500)) walk(sample, 1);
    expect([...seen].sort()).toEqual([...OPERATORS].sort());
    expect(deepest).toBeGreaterThanOrEqual(5);
  });

  it('gives back every tree the validator accepts, equal, after a trip through the builder', () => {
    fc.assert(
      fc.property(tree, (condition) => {
        expect(toCondition(toQuery(condition))).toEqual(condition);
      }),
      { numRuns: 2_000 },
    );
  });

  it('gives back the conditions of every program in rules/', () => {
    const files = fs.readdirSync('rules').filter((f) => f.endsWith('.json') && f !== 'catalog.json');
    for (const file of files) {
      const program = JSON.parse(fs.readFileSync(path.join('rules', file), 'utf8'));
      for (const condition of [program.appliesTo, ...program.tiers.map((t: { conditions: unknown }) => t.conditions)].filter(Boolean)) {
        expect(toCondition(toQuery(condition))).toEqual(condition);
      }
    }
  });

  it('maps whatever a person builds to a tree that comes back the same', () => {
    fc.assert(
      fc.property(query, (built) => {
        const condition = toCondition(built);
        expect(toCondition(toQuery(condition))).toEqual(condition);
      }),
      { numRuns: 2_000 },
    );
  });

  it("finds the builder's rule for every leaf path the validator can name", () => {
    const leaves = (node: any, path: (string | number)[]): (string | number)[][] => {
      if ('fact' in node) return [path];
      if ('not' in node) return leaves(node.not, [...path, 'not']);
      const key = 'all' in node ? 'all' : 'any';
      return node[key].flatMap((child: unknown, i: number) => leaves(child, [...path, key, i]));
    };
    fc.assert(
      fc.property(tree, (condition) => {
        const query = toQuery(condition);
        for (const path of leaves(condition, [])) {
          const at = queryPathOf([...path, 'value']).reduce<any>((group, i) => group.rules[i], query);
          const leaf = path.reduce<any>((node, step) => node[step], condition);
          expect({ field: at.field, operator: at.operator, value: at.value }).toEqual({ field: leaf.fact, operator: leaf.operator, value: leaf.value });
        }
      }),
      { numRuns: 500 },
    );
  });

  it('writes all, any and not as the builder shows them', () => {
    const rule = { field: 'balance', operator: 'greaterThanInclusive', value: 500_000 };
    const leafOf = { fact: 'balance', operator: 'greaterThanInclusive', value: 500_000 };
    expect(toQuery({ any: [leafOf, { not: leafOf }] })).toEqual({ combinator: 'or', rules: [rule, { combinator: 'and', not: true, rules: [rule] }] });
    expect(toCondition({ combinator: 'and', not: true, rules: [rule, rule] })).toEqual({ not: { all: [leafOf, leafOf] } });
    expect(toCondition({ combinator: 'or', rules: [] })).toEqual({ any: [] });
  });
});

describe('the plain-language summary of a condition', () => {
  const number = (n: number) => new Intl.NumberFormat('en').format(n);
  it('reads like the handbooks write it, in English and Chinese', () => {
    const tree = {
      all: [
        { fact: 'balance', operator: 'greaterThanInclusive', value: 500_000 },
        { any: [{ fact: 'tenureMonths', operator: 'greaterThan', value: 24 }, { not: { fact: 'tags', operator: 'contains', value: 'churn-risk' } }] },
      ],
    };
    expect(summarize(tree, SUMMARY_WORDS.en, number)).toBe('balance at least 500,000 and (tenureMonths above 24 or not (tags includes churn-risk))');
    expect(summarize(tree, SUMMARY_WORDS['zh-CN'], number)).toBe('balance 不低于 500,000 且 （tenureMonths 大于 24 或 非（tags 包含 churn-risk））');
    expect(summarize({ all: [] }, SUMMARY_WORDS.en, number)).toBe('every customer');
    expect(summarize({ all: [{ fact: 'industry', operator: 'in', value: ['energy', 'finance'] }] }, SUMMARY_WORDS.en, number)).toBe('industry is one of energy, finance');
  });

  it('names every operator the validator accepts, in both languages', () => {
    for (const words of Object.values(SUMMARY_WORDS)) expect(Object.keys(words.operators).sort()).toEqual([...OPERATORS].sort());
  });
});
