import fs from 'node:fs';
import path from 'node:path';
import { FactType } from '../../src/facts/fact-types';
import { validateProgramDocument, validateProgramSpec } from '../../src/rules/program-validator';
import { RULE_LIMITS, validateConditionTree } from '../../src/rules/rule-validator';

const facts: Record<string, FactType> = { balance: 'NUMBER', industry: 'STRING', hasLoans: 'BOOLEAN', tags: 'STRING_LIST', since: 'DATE' };
const factTypeOf = (key: string) => facts[key];
const leaf = (fact: string, operator: string, value: unknown) => ({ all: [{ fact, operator, value }] });
const check = (tree: unknown) => validateConditionTree(tree, factTypeOf);

describe(validateConditionTree.name, () => {
  it('accepts well-formed rules, including the match-everyone fallback', () => {
    expect(check({ all: [] })).toEqual([]);
    expect(
      check({
        any: [
          { fact: 'balance', operator: 'greaterThanInclusive', value: 500000 },
          { not: { fact: 'industry', operator: 'in', value: ['retail', 'media'] } },
          { all: [{ fact: 'tags', operator: 'contains', value: 'payroll' }, { fact: 'hasLoans', operator: 'equal', value: false }] },
          { fact: 'since', operator: 'equal', value: '2024-03-31' },
        ],
      }),
    ).toEqual([]);
  });

  it.each([
    ['an unknown fact', leaf('assets', 'equal', 1), 'UNKNOWN_FACT', ['all', 0, 'fact'], /unknown fact "assets"/],
    ['an unknown operator', leaf('balance', 'greaterThanOrEqual', 1), 'INVALID_RULE', ['all', 0, 'operator'], /unknown operator/],
    ['`in` without a list', leaf('industry', 'in', 'retail'), 'TYPE_MISMATCH', ['all', 0, 'value'], /takes a list/],
    ['a string threshold', leaf('balance', 'greaterThan', '500000'), 'TYPE_MISMATCH', ['all', 0, 'value'], /finite number/],
    ['a numeric operator on a string fact', leaf('industry', 'lessThan', 3), 'TYPE_MISMATCH', ['all', 0, 'value'], /compares numbers/],
    ['contains on a scalar fact', leaf('industry', 'contains', 'x'), 'TYPE_MISMATCH', ['all', 0, 'value'], /needs a list fact/],
    ['a malformed date', leaf('since', 'equal', '31/03/2024'), 'TYPE_MISMATCH', ['all', 0, 'value'], /ISO 8601/],
    ['a fact reference as value', leaf('balance', 'equal', { fact: 'other' }), 'INVALID_RULE', ['all', 0, 'value'], /literal/],
    ['a wrong item in a list', leaf('industry', 'in', ['retail', 3]), 'TYPE_MISMATCH', ['all', 0, 'value', 1], /expected a string/],
  ])('rejects %s precisely', (_name, doc, code, path, message) => {
    const problems = check(doc);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code, path });
    expect(problems[0].message).toMatch(message);
  });

  it('rejects `path` and shared condition references', () => {
    expect(check({ all: [{ fact: 'balance', path: '$..x', operator: 'equal', value: 1 }] })[0]).toMatchObject({
      path: ['all', 0, 'path'],
      message: expect.stringMatching(/not allowed/),
    });
    expect(check({ all: [{ condition: 'shared' }] }).map((p) => p.path)).toContainEqual(['all', 0, 'condition']);
  });

  it('rejects prototype keys anywhere', () => {
    const doc = JSON.parse('{"all":[{"fact":"balance","operator":"equal","value":1,"__proto__":{"polluted":true}}]}');
    expect(check(doc).map((p) => p.path)).toContainEqual(['all', 0, '__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('enforces depth, size and count limits', () => {
    let deep: Record<string, unknown> = { fact: 'balance', operator: 'equal', value: 1 };
    for (let i = 0; i < RULE_LIMITS.maxDepth + 2; i++) deep = { not: deep };
    expect(check(deep).some((p) => /nest deeper/.test(p.message))).toBe(true);

    const many = Array.from({ length: RULE_LIMITS.maxNodes + 5 }, () => ({ fact: 'balance', operator: 'equal', value: 1 }));
    expect(check({ any: many }).filter((p) => /too many conditions/.test(p.message))).toHaveLength(1);

    const big = leaf('industry', 'in', Array.from({ length: 400 }, (_, i) => `industry-${i}-${'x'.repeat(80)}`));
    expect(check(big)[0].message).toMatch(/bytes; the limit/);
  });

  it('requires conditions to start with all, any or not', () => {
    expect(check({ fact: 'balance', operator: 'equal', value: 1 })[0].message).toMatch(/start with "all", "any" or "not"/);
    expect(check('nope')[0].message).toMatch(/must be an object/);
  });
});

describe(validateProgramSpec.name, () => {
  const catalogs = { factTypeOf, entitlementTypeOf: (k: string) => (k === 'feeDiscountPct' ? ('NUMBER' as const) : undefined) };
  const tier = (key: string, rank: number, extra: object = {}) => ({ key, name: key, rank, conditions: { all: [] }, ...extra });

  it('reports duplicate ranks and keys, unknown entitlements and mistyped values with their paths', () => {
    const problems = validateProgramSpec(
      {
        key: 'p',
        name: 'P',
        tiers: [
          tier('A', 2, { entitlements: [{ key: 'feeDiscountPct', value: '20%' }] }),
          tier('A', 1),
          tier('B', 2, { entitlements: [{ key: 'lounge', value: true }] }),
        ],
      },
      catalogs,
    );
    expect(problems.map((p) => [p.code, p.path.join('.')])).toEqual([
      ['TYPE_MISMATCH', 'tiers.0.entitlements.0.value'],
      ['INVALID', 'tiers.1.key'],
      ['INVALID', 'tiers.2.rank'],
      ['UNKNOWN_ENTITLEMENT', 'tiers.2.entitlements.0.key'],
    ]);
  });

  it('finds problems inside tier rules and appliesTo', () => {
    const problems = validateProgramSpec(
      { key: 'p', name: 'P', appliesTo: { all: [{ fact: 'kind', operator: 'equal', value: 'x' }] }, tiers: [{ ...tier('A', 1), conditions: leaf('balance', 'in', 5) }] },
      catalogs,
    );
    expect(problems.map((p) => p.path.join('.'))).toEqual(['appliesTo.all.0.fact', 'tiers.0.conditions.all.0.value']);
  });

  it('checks the document shape against the JSON Schema first, in words, with paths', () => {
    const problems = validateProgramDocument(
      { appliesTo: 'everyone', tiers: [null, { key: 'A', name: 'A', rank: 1.5, conditions: { all: [] }, colour: 'gold' }, { key: 'B', name: 'B', rank: 1 }] },
      catalogs,
    );
    expect(problems).toEqual([
      { code: 'INVALID', path: ['appliesTo'], message: 'appliesTo must be a condition like { "all": [ … ] } or null' },
      { code: 'INVALID', path: ['tiers', 0], message: 'a tier must be an object { "key", "name", "rank", "conditions", "entitlements" }' },
      { code: 'INVALID', path: ['tiers', 1, 'colour'], message: 'unexpected key "colour"; a tier has "key", "name", "rank", "conditions", "entitlements", "protected" and "minimumStayDays"' },
      { code: 'INVALID', path: ['tiers', 1, 'rank'], message: 'rank must be a whole number (higher = better)' },
      { code: 'INVALID', path: ['tiers', 2, 'conditions'], message: 'conditions is required' },
    ]);
  });

  it('checks a time policy and the tiers\' time rules, each problem at its field', () => {
    const problems = (document: object) => validateProgramDocument({ appliesTo: null, tiers: [tier('A', 2), tier('B', 1)], ...document }, catalogs);
    expect(problems({ timePolicy: { downgrade: 'REVIEW', review: 'YEAR', graceDays: 30, steps: 'ONE', timeZone: 'Europe/Berlin' } })).toEqual([]);
    expect(problems({ timePolicy: { downgrade: 'REVIEW' } })).toEqual([
      { code: 'INVALID', path: ['timePolicy', 'review'], message: 'a REVIEW downgrade needs review: MONTH, QUARTER, YEAR, ANNIVERSARY' },
    ]);
    expect(problems({ timePolicy: { downgrade: 'IMMEDIATE', review: 'YEAR', timeZone: 'Mars/Olympus' } })).toEqual([
      { code: 'INVALID', path: ['timePolicy', 'timeZone'], message: 'unknown time zone "Mars/Olympus"; name an IANA zone such as "Asia/Shanghai"' },
      { code: 'INVALID', path: ['timePolicy', 'review'], message: 'review applies only with downgrade: REVIEW (IMMEDIATE downgrades do not wait for one)' },
    ]);
    expect(problems({ timePolicy: { downgrade: 'LATER', graceDays: 4000, every: 'day' } })).toEqual([
      { code: 'INVALID', path: ['timePolicy', 'every'], message: 'unexpected key "every"; a timePolicy has "timeZone", "downgrade", "review", "graceDays" and "steps"' },
      { code: 'INVALID', path: ['timePolicy', 'downgrade'], message: 'downgrade must be one of IMMEDIATE, REVIEW, got the string "LATER"' },
      { code: 'INVALID', path: ['timePolicy', 'graceDays'], message: 'graceDays must be a whole number of days from 0 to 3,650, got the number 4000' },
    ]);
    expect(validateProgramDocument({ appliesTo: null, tiers: [tier('A', 2, { protected: 'yes', minimumStayDays: 1.5 })] }, catalogs)).toEqual([
      { code: 'INVALID', path: ['tiers', 0, 'protected'], message: 'protected must be true or false, got the string "yes"' },
      { code: 'INVALID', path: ['tiers', 0, 'minimumStayDays'], message: 'minimumStayDays must be a whole number of days, got the number 1.5' },
    ]);
  });

  it('reads tiers in the older rule: { conditions } shape, with problems at the place written', () => {
    const older = (conditions: unknown, extra: object = {}) => ({ key: 'A', name: 'A', rank: 1, rule: { conditions, ...extra } });
    const problems = (t: object) => validateProgramDocument({ appliesTo: null, tiers: [tier('B', 2), t] }, catalogs);
    expect(problems(older({ all: [] }))).toEqual([]);
    expect(problems(older(leaf('balance', 'in', 5).all[0]))).toEqual([
      { code: 'INVALID_RULE', path: ['tiers', 1, 'rule', 'conditions'], message: 'conditions must start with "all", "any" or "not"' },
    ]);
    expect(problems(older(leaf('balanse', 'equal', 5)))).toEqual([
      { code: 'UNKNOWN_FACT', path: ['tiers', 1, 'rule', 'conditions', 'all', 0, 'fact'], message: 'unknown fact "balanse"; define it in the fact catalog first' },
    ]);
    expect(problems(older({ all: [] }, { event: { type: 'x' } }))).toEqual([
      { code: 'INVALID', path: ['tiers', 1, 'rule', 'event'], message: 'event is set by Strata (its type is the tier key); leave it out' },
    ]);
    expect(problems({ key: 'A', name: 'A', rank: 1, rule: {} })).toEqual([{ code: 'INVALID', path: ['tiers', 1, 'rule', 'conditions'], message: 'conditions is required' }]);
    expect(problems({ key: 'A', name: 'A', rank: 1, rule: 'all' })[0]).toMatchObject({ path: ['tiers', 1, 'rule'], message: expect.stringMatching(/must be an object/) });
    expect(problems({ ...tier('A', 1), rule: { conditions: { all: [] } } })).toEqual([
      { code: 'INVALID', path: ['tiers', 1, 'rule'], message: 'a tier has "conditions" or the older "rule": { "conditions" }, not both' },
    ]);
  });

  it('accepts every program file in rules/ against the catalog there', () => {
    const catalog = JSON.parse(fs.readFileSync('rules/catalog.json', 'utf8'));
    const factTypes = new Map<string, FactType>(catalog.facts.map((f: { key: string; type: FactType }) => [f.key, f.type]));
    const entitlementTypes = new Map(catalog.entitlements.map((e: { key: string; valueType: string }) => [e.key, e.valueType]));
    const files = fs.readdirSync('rules').filter((f) => f.endsWith('.json') && f !== 'catalog.json');
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) {
      const spec = JSON.parse(fs.readFileSync(path.join('rules', file), 'utf8'));
      expect([file, validateProgramSpec(spec, { factTypeOf: (k) => factTypes.get(k), entitlementTypeOf: (k) => entitlementTypes.get(k) as never })]).toEqual([file, []]);
    }
  });
});
