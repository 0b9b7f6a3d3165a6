import fc from 'fast-check';
import { ProgramDefinition } from '../../src/engine';

/** Fact keys the generated rules and fact sets share, so conditions often hit a fact. */
export const FACT_KEYS = ['balance', 'segment', 'tags', 'score'] as const;

const awkwardStrings = fc.constantFrom(
  '', ' ', '12', ' 12 ', '-0.5', '.5', '5.', '1e3', '1E-2', '+7', '0x1A', '0b11', 'Infinity', '-Infinity', 'infinity',
  '12abc', 'abc', '1,5', '\u00a012', '12\u00a0', '1e400', 'NaN', 'null', 'true', 'gold', 'GOLD', '-0', '+.5', '5e', 'e5',
  '\u0663', '\uff11\uff12', '\u200b12', '\ufeff12', '1_000', '10000', '9999.99', '500000',
);
const boundaryNumbers = fc.constantFrom(
  0, -0, 1, -1, 0.1, 0.3, 0.30000000000000004, 1e-7, 9_999.99, 10_000, 50_000, 500_000, 1e21, -1e21, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE,
);
const numbers = fc.oneof(boundaryNumbers, fc.integer({ min: -1_000, max: 1_000_000 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
const scalars = fc.oneof(numbers, awkwardStrings, fc.string({ maxLength: 4 }), fc.boolean());

/**
 * Any value a fact might hold, including values that break their catalog type and, for
 * the in-process evaluators only, values JSON cannot carry (NaN, ±Infinity, undefined).
 */
export const factValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: scalars },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, undefined) },
  { weight: 4, arbitrary: fc.array(fc.oneof(awkwardStrings, numbers, fc.boolean()), { maxLength: 3 }) },
  { weight: 2, arbitrary: fc.constantFrom({}, { a: 1 }, [[5]], [['x']], [null], [], ['']) },
);

export const facts: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(fc.constantFrom(...FACT_KEYS), factValue, { maxKeys: FACT_KEYS.length });

const fact = fc.constantFrom(...FACT_KEYS);
const leaf = fc.oneof(
  fc.record({ fact, operator: fc.constantFrom('equal', 'notEqual'), value: fc.oneof(scalars, fc.constant(null)) }),
  fc.record({ fact, operator: fc.constantFrom('in', 'notIn'), value: fc.array(scalars, { maxLength: 4 }) }),
  fc.record({ fact, operator: fc.constantFrom('contains', 'doesNotContain'), value: fc.oneof(awkwardStrings, numbers) }),
  fc.record({
    fact,
    operator: fc.constantFrom('lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'),
    value: numbers,
  }),
);

/**
 * Leaves json-rules-engine accepts but Strata's validator refuses, which the compiler must
 * not guess at: lists and objects as equal's value, a value naming another fact, `path`.
 */
const uncompilableLeaf = fc.oneof(
  fc.record({ fact, operator: fc.constantFrom('equal', 'notEqual', 'lessThan', 'greaterThanInclusive'), value: fc.record({ fact }) }),
  fc.record({ fact, operator: fc.constantFrom('equal', 'notEqual'), value: fc.constantFrom([], [1], {}, { a: 1 }) }),
  fc.record({ fact, path: fc.constant('$.a'), operator: fc.constantFrom('equal', 'notEqual'), value: scalars }),
);

function conditionTrees(leaves: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaves, tie('combinator')),
    combinator: fc.oneof(
      fc.record({ all: fc.array(tie('node'), { maxLength: 3 }) }),
      fc.record({ any: fc.array(tie('node'), { maxLength: 3 }) }),
      fc.record({ not: tie('node') }),
    ),
  })).combinator as fc.Arbitrary<Record<string, unknown>>;
}

/** Condition trees as json-rules-engine accepts them: a combinator at the root, nested `not`, empty lists. */
export const conditions = conditionTrees(leaf);

/** The same, where about one leaf in fifty is one the compiler must leave to json-rules-engine. */
const conditionsWithFallbacks = conditionTrees(fc.oneof({ weight: 49, arbitrary: leaf }, { weight: 1, arbitrary: uncompilableLeaf }));

/** Small programs: an optional appliesTo and one to three ranked tiers. */
export const programs: fc.Arbitrary<ProgramDefinition> = fc
  .record({
    appliesTo: fc.option(conditionsWithFallbacks, { freq: 3 }),
    tiers: fc.array(conditionsWithFallbacks, { minLength: 1, maxLength: 3 }),
  })
  .map(({ appliesTo, tiers }) => ({
    key: 'p',
    version: 1,
    appliesTo: appliesTo as never,
    tiers: tiers.map((tree, i) => ({ key: `T${i}`, rank: tiers.length - i, conditions: tree as never })),
  }));
