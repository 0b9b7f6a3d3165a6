import fc from 'fast-check';
import { FactType } from '../../src/facts/fact-types';
import catalogFile from '../../rules/catalog.json';

/**
 * Valid program documents and fact sets over the catalog in rules/catalog.json, each with
 * exactly one defect put in a known place, so a test can demand the precise `userErrors`
 * entry (code and path) for it and nothing elsewhere.
 */

export type Path = (string | number)[];
type Node = Record<string, unknown>;

export interface Expected {
  code: 'INVALID' | 'INVALID_RULE' | 'UNKNOWN_FACT' | 'TYPE_MISMATCH';
  /** Relative to the document or the facts; null when only the scope is certain. */
  path: Path | null;
  /** Every problem reported must lie under this path. */
  scope: Path;
  message?: RegExp;
  defect: string;
}

export const CATALOG: Record<string, FactType> = {
  customerType: 'STRING',
  balance: 'NUMBER',
  monthlySpend: 'NUMBER',
  tenureMonths: 'NUMBER',
  complaints12m: 'NUMBER',
  hasLoans: 'BOOLEAN',
  industry: 'STRING',
  tags: 'STRING_LIST',
  lastPurchaseDate: 'DATE',
};
const factsOf = (type: FactType) => Object.keys(CATALOG).filter((k) => CATALOG[k] === type);

/** Keys that name something on every object's prototype chain. */
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'];
const POLLUTION = { polluted: 'yes' };

/** An own property even for `__proto__`, as JSON.parse makes it; JSON.stringify sends it. */
function withOwnKey(node: Node, key: string, value: unknown): Node {
  const copy = { ...node };
  Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
  return copy;
}

const numericOperator = fc.constantFrom('lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive');
const validLeaf: fc.Arbitrary<Node> = fc.oneof(
  fc.record({ fact: fc.constantFrom(...factsOf('NUMBER')), operator: numericOperator, value: fc.integer({ min: 0, max: 10_000_000 }) }),
  fc.record({ fact: fc.constantFrom(...factsOf('NUMBER')), operator: fc.constantFrom('in', 'notIn'), value: fc.array(fc.integer(), { minLength: 1, maxLength: 4 }) }),
  fc.record({ fact: fc.constantFrom(...factsOf('STRING')), operator: fc.constantFrom('equal', 'notEqual'), value: fc.string({ maxLength: 12 }) }),
  fc.record({ fact: fc.constantFrom(...factsOf('STRING')), operator: fc.constantFrom('in', 'notIn'), value: fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }) }),
  fc.record({ fact: fc.constant('hasLoans'), operator: fc.constantFrom('equal', 'notEqual'), value: fc.boolean() }),
  fc.record({ fact: fc.constant('tags'), operator: fc.constantFrom('contains', 'doesNotContain'), value: fc.string({ maxLength: 8 }) }),
  fc.record({ fact: fc.constant('lastPurchaseDate'), operator: fc.constant('equal'), value: fc.constantFrom('2024-03-31', '2025-12-01T08:00:00Z') }),
);

/** Condition trees at most three combinators deep, every list non-empty, so every tree has leaves. */
const validTree: fc.Arbitrary<Node> = fc.letrec<{ tree: Node; node: Node }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    fc.record({ all: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('node') }),
  ),
  node: fc.oneof({ depthSize: 'small', maxDepth: 2 }, validLeaf, tie('tree')),
})).tree;

export interface ProgramDocument {
  appliesTo: Node | null;
  tiers: { key: string; name: string; rank: number; conditions: Node }[];
}

export const validDocument: fc.Arbitrary<ProgramDocument> = fc
  .record({ appliesTo: fc.option(validTree, { freq: 2 }), rules: fc.array(validTree, { minLength: 1, maxLength: 4 }) })
  .map(({ appliesTo, rules }) => ({
    appliesTo,
    tiers: rules.map((conditions, i) => ({ key: `T${i}`, name: `Tier ${i}`, rank: rules.length - i, conditions })),
  }));

/** Where a leaf sits in a tree, and how deep (the tree's root is level 1). */
interface LeafAt {
  path: Path;
  level: number;
}
function leavesOf(node: Node, path: Path = [], level = 1): LeafAt[] {
  if (Array.isArray(node.all)) return node.all.flatMap((c, i) => leavesOf(c as Node, [...path, 'all', i], level + 1));
  if (Array.isArray(node.any)) return node.any.flatMap((c, i) => leavesOf(c as Node, [...path, 'any', i], level + 1));
  if (node.not) return leavesOf(node.not as Node, [...path, 'not'], level + 1);
  return [{ path, level }];
}

function replaceAt(root: Node, path: Path, replace: (node: Node) => Node): Node {
  if (!path.length) return replace(root);
  const [head, ...rest] = path;
  if (Array.isArray(root)) return root.map((child, i) => (i === head ? replaceAt(child, rest, replace) : child)) as unknown as Node;
  return { ...root, [head]: replaceAt(root[head] as Node, rest, replace) };
}

const MAX_DEPTH = 8;
const ALL_FACTS = new Set((catalogFile as { facts: { key: string }[] }).facts.map((f) => f.key));
const aNumberFact = fc.constantFrom(...factsOf('NUMBER'));
const notANumber = fc.oneof(fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.constantFrom('1e3', '500000', ' 12'));
const unknownFactName = fc.oneof(
  fc.constantFrom(...PROTOTYPE_NAMES, 'balance ', 'Balance', 'a.b', '$where', '$.balance', 'facts.balance'),
  fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !ALL_FACTS.has(s)),
);
const jsonPath = fc.constantFrom('$.a', '$..*', '$[?(@.constructor.constructor("return process")())]', '$.__proto__.polluted', 'constructor.constructor', '$[(@.length-1)]');

/**
 * One defect in the leaf (or its parent combinator) at `at`, inside the tree at `scope`;
 * returns the new tree and what must be reported.
 */
function leafDefect(at: LeafAt, parent: Path): fc.Arbitrary<{ replace: Path; with: (node: Node) => Node; expected: Omit<Expected, 'scope'> }> {
  const leaf = at.path;
  const d = <T>(defect: string, arbitrary: fc.Arbitrary<T>, build: (value: T) => { with: (node: Node) => Node; replace?: Path; code: Expected['code']; path: Path | null; message?: RegExp }) =>
    arbitrary.map((value) => {
      const b = build(value);
      return { replace: b.replace ?? leaf, with: b.with, expected: { code: b.code, path: b.path, message: b.message, defect } };
    });
  return fc.oneof(
    d('unknown fact', unknownFactName, (fact) => ({ with: (n) => ({ ...n, fact }), code: 'UNKNOWN_FACT', path: [...leaf, 'fact'] })),
    d('unknown operator', fc.oneof(fc.constantFrom('eq', 'EQUAL', 'regex', 'startsWith', '__proto__', 'constructor', ''), fc.string({ maxLength: 10 })).filter(
      (op) => !['equal', 'notEqual', 'in', 'notIn', 'contains', 'doesNotContain', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'].includes(op),
    ), (operator) => ({ with: (n) => ({ ...n, operator }), code: 'INVALID_RULE', path: [...leaf, 'operator'] })),
    d('number operator, other value', fc.tuple(aNumberFact, numericOperator, notANumber), ([fact, operator, value]) => ({
      with: () => ({ fact, operator, value }),
      code: 'TYPE_MISMATCH',
      path: [...leaf, 'value'],
    })),
    d('number operator on a non-number fact', fc.tuple(fc.constantFrom('customerType', 'hasLoans', 'tags', 'lastPurchaseDate'), numericOperator), ([fact, operator]) => ({
      with: () => ({ fact, operator, value: 5 }),
      code: 'TYPE_MISMATCH',
      path: [...leaf, 'value'],
    })),
    d('in without a list', fc.tuple(fc.constantFrom('in', 'notIn'), fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(null))), ([operator, value]) => ({
      with: () => ({ fact: 'customerType', operator, value }),
      code: 'TYPE_MISMATCH',
      path: [...leaf, 'value'],
    })),
    d('list too long', fc.integer({ min: 501, max: 900 }), (n) => ({
      with: () => ({ fact: 'balance', operator: 'in', value: Array.from({ length: n }, (_, i) => i) }),
      code: 'TYPE_MISMATCH',
      path: [...leaf, 'value'],
    })),
    d('string too long', fc.integer({ min: 1_001, max: 3_000 }), (n) => ({
      with: () => ({ fact: 'industry', operator: 'equal', value: 'x'.repeat(n) }),
      code: 'TYPE_MISMATCH',
      path: [...leaf, 'value'],
    })),
    d('fact reference or object as value', fc.constantFrom({ fact: 'balance' }, { fact: 'constructor', path: 'constructor.constructor' }, { __proto__: null, polluted: 'yes' }, {}), (value) => ({
      with: (n) => ({ ...n, value }),
      code: 'INVALID_RULE',
      path: [...leaf, 'value'],
    })),
    d('path expression', jsonPath, (path) => ({ with: (n) => ({ ...n, path }), code: 'INVALID_RULE', path: [...leaf, 'path'] })),
    d('forbidden key in a condition', fc.constantFrom(...FORBIDDEN_KEYS), (key) => ({
      with: (n) => withOwnKey(n, key, key === '__proto__' ? POLLUTION : { prototype: POLLUTION }),
      code: 'INVALID_RULE',
      path: [...leaf, key],
    })),
    d('forbidden key in a combinator', fc.constantFrom(...FORBIDDEN_KEYS), (key) => ({
      replace: parent,
      with: (n) => withOwnKey(n, key, POLLUTION),
      code: 'INVALID_RULE',
      path: [...parent, key],
    })),
    d('empty condition', fc.constant({}), () => ({ with: () => ({}), code: 'INVALID_RULE', path: [...leaf, 'fact'] })),
    d('combinator of the wrong kind', fc.constantFrom<[string, unknown]>(['all', 'x'], ['any', {}], ['not', []], ['all', null], ['not', 'x']), ([key, value]) => ({
      with: () => ({ [key]: value }),
      code: 'INVALID_RULE',
      path: [...leaf, key],
    })),
    d('too deep', fc.integer({ min: 0, max: 20 }), (extra) => {
      const wraps = MAX_DEPTH + 1 - at.level + extra;
      return {
        with: (n) => Array.from({ length: wraps }).reduce<Node>((inner) => ({ not: inner }), n),
        code: 'INVALID_RULE',
        path: [...leaf, ...Array.from({ length: MAX_DEPTH + 1 - at.level }, () => 'not')],
        message: /deeper than 8 levels/,
      };
    }),
    d('too many conditions in one list', fc.integer({ min: 201, max: 300 }), (n) => ({
      with: () => ({ any: Array.from({ length: n }, () => ({ fact: 'balance', operator: 'greaterThan', value: 1 })) }),
      code: 'INVALID_RULE',
      path: [...leaf, 'any'],
      message: /too many conditions/,
    })),
    d('too many conditions in all', fc.integer({ min: 2, max: 3 }), (lists) => ({
      with: () => ({ all: Array.from({ length: lists }, () => ({ any: Array.from({ length: 120 }, () => ({ fact: 'tenureMonths', operator: 'lessThan', value: 9 })) })) }),
      code: 'INVALID_RULE',
      path: null,
      message: /too many conditions/,
    })),
  );
}

/** Oversize is reported on the whole rule (or appliesTo), whatever the leaf. */
const oversize = (scope: Path) =>
  fc.integer({ min: 330, max: 450 }).map((n) => ({
    with: () => ({ fact: 'industry', operator: 'in', value: Array.from({ length: n }, (_, i) => `${i}`.padEnd(100, '.')) }),
    expected: { code: 'INVALID_RULE' as const, path: scope, message: /bytes; the limit is/, defect: 'oversize' },
  }));

export interface BadDocument {
  document: ProgramDocument;
  /** The tier whose rule holds the defect, or null when it is in appliesTo or the tier itself. */
  tier: number | null;
  expected: Expected;
}

/** Rule trees of a valid document with one defect in a tier's rule or in appliesTo. */
export const badDocuments: fc.Arbitrary<BadDocument> = validDocument.chain((document) => {
  const trees: { tier: number | null; scope: Path; tree: Path }[] = document.tiers.map((_, i) => ({
    tier: i,
    scope: ['tiers', i, 'conditions'],
    tree: ['tiers', i, 'conditions'],
  }));
  if (document.appliesTo) trees.push({ tier: null, scope: ['appliesTo'], tree: ['appliesTo'] });
  return fc.constantFrom(...trees).chain(({ tier, scope, tree }) => {
    const root = (tree.reduce<unknown>((n, k) => (n as Node)[k], document) as Node)!;
    return fc.constantFrom(...leavesOf(root)).chain((at) => {
      const parent = at.path.slice(0, at.path[at.path.length - 1] === 'not' ? -1 : -2);
      return fc
        .oneof({ weight: 15, arbitrary: leafDefect(at, parent) }, { weight: 1, arbitrary: oversize([]).map((o) => ({ ...o, replace: at.path })) })
        .map(({ replace, with: build, expected }) => {
          const broken = replaceAt(document as unknown as Node, [...tree, ...replace], build) as unknown as ProgramDocument;
          const oversized = expected.defect === 'oversize';
          return {
            document: broken,
            tier,
            expected: {
              ...expected,
              path: oversized ? scope : expected.path && [...tree, ...expected.path],
              scope: oversized ? scope : [...tree, ...replace],
            },
          };
        });
    });
  });
});

/** A valid document with a forbidden key on the document or on a tier: a shape problem (INVALID). */
export const documentsWithForbiddenKeys: fc.Arbitrary<BadDocument> = fc
  .tuple(validDocument, fc.constantFrom(...FORBIDDEN_KEYS), fc.boolean())
  .map(([document, key, onTier]) => {
    if (!onTier) return { document: withOwnKey(document as unknown as Node, key, POLLUTION) as unknown as ProgramDocument, tier: null, expected: { code: 'INVALID', path: [key], scope: [key], defect: `${key} on the document` } };
    const tiers = document.tiers.map((t, i) => (i === 0 ? (withOwnKey(t, key, POLLUTION) as typeof t) : t));
    return { document: { ...document, tiers }, tier: null, expected: { code: 'INVALID', path: ['tiers', 0, key], scope: ['tiers', 0, key], defect: `${key} on a tier` } };
  });

const validFacts = fc.record(
  {
    customerType: fc.constant('individual'),
    balance: fc.integer({ min: 0, max: 10_000_000 }),
    tenureMonths: fc.integer({ min: 0, max: 600 }),
    hasLoans: fc.boolean(),
    tags: fc.array(fc.constantFrom('payroll', 'vip-event', 'churn-risk'), { maxLength: 3 }),
    lastPurchaseDate: fc.constant('2025-06-30'),
  },
  { requiredKeys: ['customerType'] },
);

const wrongValue: Record<FactType, fc.Arbitrary<unknown>> = {
  NUMBER: fc.oneof(fc.string({ maxLength: 6 }), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }), fc.constantFrom('1e3', '500000', {}, JSON.parse('{"__proto__":{"polluted":"yes"}}'))),
  STRING: fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string(), { maxLength: 2 }), fc.integer({ min: 1_001, max: 2_000 }).map((n) => 'y'.repeat(n)), fc.constant({ toString: 'x' })),
  BOOLEAN: fc.constantFrom('true', 'false', 0, 1, 'yes', [], [true]),
  DATE: fc.constantFrom('2024-13-01', '31/03/2024', 'yesterday', '2024-02-30T25:00:00Z', 20240331, '', true),
  STRING_LIST: fc.oneof(
    fc.string({ maxLength: 5 }),
    fc.constantFrom([1], [null], [['a']], [{}]),
    fc.integer({ min: 101, max: 200 }).map((n) => Array.from({ length: n }, (_, i) => `t${i}`)),
    fc.integer({ min: 1_001, max: 2_000 }).map((n) => ['z'.repeat(n)]),
  ),
};

export interface BadFacts {
  facts: Record<string, unknown>;
  key: string;
  expected: 'UNKNOWN_FACT' | 'TYPE_MISMATCH';
}

/**
 * Valid facts plus one bad one: a key not in the catalog (prototype names among them), or a
 * catalog fact with a value of another type, oversized, or an object carrying `__proto__`.
 */
export const badFacts = (nullAllowed: boolean): fc.Arbitrary<BadFacts> =>
  validFacts.chain((facts) =>
    fc.oneof(
      fc.tuple(unknownFactName, fc.oneof(fc.integer(), fc.string(), fc.constant(POLLUTION))).map(([key, value]) => ({
        facts: withOwnKey(facts, key, value),
        key,
        expected: 'UNKNOWN_FACT' as const,
      })),
      fc
        .constantFrom(...Object.keys(CATALOG))
        .chain((key) => (nullAllowed ? wrongValue[CATALOG[key]] : fc.oneof(wrongValue[CATALOG[key]], fc.constant(null))).map((value) => ({ key, value })))
        .map(({ key, value }) => ({ facts: withOwnKey(facts, key, value), key, expected: 'TYPE_MISMATCH' as const })),
    ),
  );
