import fs from 'node:fs';
import { ProgramEvaluator, ProgramDefinition } from '../../src/engine';

const retail = JSON.parse(fs.readFileSync('rules/retail-bank.json', 'utf8'));
const definition: ProgramDefinition = {
  key: retail.key,
  version: 1,
  appliesTo: retail.appliesTo,
  tiers: retail.tiers.map((t: { key: string; rank: number; conditions: never }) => ({ key: t.key, rank: t.rank, conditions: t.conditions })),
};

describe(ProgramEvaluator.name, () => {
  const sut = new ProgramEvaluator(definition);
  const tierFor = async (balance: unknown) => (await sut.evaluate({ customerType: 'individual', balance })).matchedTierKey;

  it.each([
    [1_000_000, 'A'],
    [500_000, 'A'],
    [499_999.99, 'A_SUB'],
    [200_000, 'A_SUB'],
    [199_999.99, 'B'],
    [50_000, 'B'],
    [10_000, 'C'],
    [9_999.99, 'D'],
    [0, 'D'],
  ])('puts balance %p in tier %p (highest rank first, first match wins)', async (balance, tier) => {
    expect(await tierFor(balance)).toBe(tier);
  });

  it('explains every tier with the fact value and each condition result', async () => {
    const result = await sut.evaluate({ customerType: 'individual', balance: 499_999.99 });
    expect(result.outcomes.map((o) => [o.tierKey, o.passed])).toEqual([
      ['A', false],
      ['A_SUB', true],
      ['B', true],
      ['C', true],
      ['D', true],
    ]);
    expect(result.outcomes[0].conditions).toMatchObject({
      all: [{ fact: 'balance', operator: 'greaterThanInclusive', value: 500_000, factResult: 499_999.99, result: false }],
    });
    expect(result.appliesTo).toMatchObject({ all: [{ fact: 'customerType', factResult: 'individual', result: true }] });
  });

  it('treats a missing fact as undefined: thresholds fail, so only the fallback tier matches', async () => {
    const result = await sut.evaluate({ customerType: 'individual' });
    expect(result.matchedTierKey).toBe('D');
    const leaf = (result.outcomes[0].conditions.all as Record<string, unknown>[])[0];
    expect(leaf.result).toBe(false);
    expect(leaf).not.toHaveProperty('factResult');
  });

  it('passes negative operators on a missing fact, as json-rules-engine does', async () => {
    const evaluator = new ProgramEvaluator({
      key: 'p',
      version: 1,
      appliesTo: null,
      tiers: [{ key: 'NOT_VIP', rank: 1, conditions: { all: [{ fact: 'segment', operator: 'notEqual', value: 'vip' }] } }],
    });
    expect((await evaluator.evaluate({})).matchedTierKey).toBe('NOT_VIP');
  });

  it('does not apply the program to customers outside appliesTo', async () => {
    const result = await sut.evaluate({ customerType: 'corporate', balance: 900_000 });
    expect(result).toMatchObject({ applies: false, matchedTierKey: null, outcomes: [] });
  });

  it('gives every customer the right tier when many evaluations overlap', async () => {
    const balances = Array.from({ length: 400 }, (_, i) => (i * 7_919) % 700_000);
    const expected = (b: number) => (b >= 500_000 ? 'A' : b >= 200_000 ? 'A_SUB' : b >= 50_000 ? 'B' : b >= 10_000 ? 'C' : 'D');
    const tiers = await Promise.all(balances.map((b) => tierFor(b)));
    expect(tiers).toEqual(balances.map(expected));
  });

  it('never resolves a `path` through jsonpath, even if one reached a stored rule', async () => {
    const evaluator = new ProgramEvaluator({
      key: 'p',
      version: 1,
      appliesTo: null,
      tiers: [{ key: 'X', rank: 1, conditions: { all: [{ fact: 'profile', path: '$.level', operator: 'equal', value: 3 } as never] } }],
    });
    expect((await evaluator.evaluate({ profile: { level: 3 } })).matchedTierKey).toBeNull();
  });

  it('classifies with compiled closures, and says nothing fell back', async () => {
    expect(sut.classifier).not.toBeNull();
    expect(sut.fallbacks).toEqual([]);
    expect(await sut.classify({ customerType: 'individual', balance: 250_000 })).toEqual({ applies: true, tierKey: 'A_SUB' });
    expect(await sut.classify({ customerType: 'corporate', balance: 250_000 })).toEqual({ applies: false, tierKey: null });
    expect((await sut.evaluate({ customerType: 'individual', balance: 250_000 })).fallbacks).toEqual([]);
  });

  describe('a rule the compiler cannot reproduce', () => {
    // json-rules-engine reads a `{ fact }` value as another fact's value: the compiler must
    // not guess that it is a literal object. Only this tier falls back; the others stay compiled.
    const mixed = new ProgramEvaluator({
      key: 'p',
      version: 1,
      appliesTo: { all: [{ fact: 'kind', operator: 'notEqual', value: 'closed' }] },
      tiers: [
        { key: 'TOP', rank: 3, conditions: { all: [{ fact: 'score', operator: 'greaterThan', value: 90 }] } },
        { key: 'MATCH', rank: 2, conditions: { all: [{ fact: 'spend', operator: 'equal', value: { fact: 'budget' } } as never] } },
        { key: 'REST', rank: 1, conditions: { all: [] } },
      ],
    });

    it('is decided by json-rules-engine, and the explanation says which rule and why', async () => {
      expect(mixed.classifier).toBeNull();
      expect(mixed.fallbacks).toEqual([{ tierKey: 'MATCH', reason: 'the value of "spend" equal refers to another fact' }]);
      const evaluation = await mixed.evaluate({ spend: 7, budget: 7 });
      expect(evaluation.matchedTierKey).toBe('MATCH');
      expect(evaluation.fallbacks).toEqual(mixed.fallbacks);
    });

    it.each([
      [{ score: 95, spend: 1, budget: 2 }, 'TOP'],
      [{ score: 10, spend: 7, budget: 7 }, 'MATCH'],
      [{ score: 10, spend: 7, budget: 8 }, 'REST'],
      [{ score: 10, spend: 7 }, 'REST'],
      [{ kind: 'closed', spend: 7, budget: 7 }, null],
    ])('agrees with json-rules-engine on %p', async (facts, tier) => {
      const reference = await mixed.evaluate(facts);
      expect(reference.matchedTierKey).toBe(tier);
      expect(await mixed.classify(facts)).toEqual({ applies: reference.applies, tierKey: reference.matchedTierKey });
    });

    it('falls back for an appliesTo that uses path, too', async () => {
      const evaluator = new ProgramEvaluator({
        key: 'p',
        version: 1,
        appliesTo: { all: [{ fact: 'profile', path: '$.kind', operator: 'equal', value: 'x' } as never] },
        tiers: [{ key: 'ALL', rank: 1, conditions: { all: [] } }],
      });
      expect(evaluator.fallbacks).toEqual([{ tierKey: null, reason: expect.stringContaining('no path') }]);
      expect(await evaluator.classify({ profile: { kind: 'x' } })).toEqual({ applies: false, tierKey: null });
    });
  });
});
