import fc from 'fast-check';

/** Fact keys the generated rules and fact sets share, so conditions often hit a fact. */
export const FACT_KEYS = ['balance', 'segment', 'tags', 'score'] as const;

const awkwardStrings = fc.constantFrom(
  '', ' ', '12', ' 12 ', '-0.5', '.5', '5.', '1e3', '1E-2', '+7', '0x1A', '0b11', 'Infinity', '-Infinity', 'infinity',
  '12abc', 'abc', '1,5', '\u00a012', '12\u00a0', '1e400', 'NaN', 'null', 'true', 'gold', 'GOLD',
);
const boundaryNumbers = fc.constantFrom(0, -0, 1, -1, 0.1, 0.3, 0.30000000000000004, 9_999.99, 10_000, 50_000, 500_000, 1e21, -1e21, Number.MAX_SAFE_INTEGER);
const numbers = fc.oneof(boundaryNumbers, fc.integer({ min: -1_000, max: 1_000_000 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
const scalars = fc.oneof(numbers, awkwardStrings, fc.string({ maxLength: 4 }), fc.boolean());

/** Any JSON a fact might hold, including values that break their catalog type. */
export const factValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: scalars },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.array(fc.oneof(awkwardStrings, numbers, fc.boolean()), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom({}, { a: 1 }, [[5]], [['x']], [null]) },
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

/** Condition trees as json-rules-engine accepts them: a combinator at the root, nested `not`, empty lists. */
export const conditions: fc.Arbitrary<Record<string, unknown>> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('combinator')),
  combinator: fc.oneof(
    fc.record({ all: fc.array(tie('node'), { maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('node'), { maxLength: 3 }) }),
    fc.record({ not: tie('node') }),
  ),
})).combinator as fc.Arbitrary<Record<string, unknown>>;
