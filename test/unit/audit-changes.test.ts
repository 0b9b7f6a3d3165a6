import { changesOf } from '../../src/admin/audit/changes';

describe('the audit log\'s before and after, as changes a person reads', () => {
  it('names tiers by key and lists each changed leaf', () => {
    const before = { tiers: [{ key: 'A', rank: 2, conditions: { all: [{ fact: 'balance', operator: 'greaterThanInclusive', value: 500_000 }] } }, { key: 'D', rank: 1 }] };
    const after = { tiers: [{ key: 'A', rank: 2, conditions: { all: [{ fact: 'balance', operator: 'greaterThanInclusive', value: 600_000 }] } }, { key: 'D', rank: 1, name: 'Mass' }] };
    expect(changesOf(before, after)).toEqual([
      { kind: 'changed', path: ['tiers', 'A', 'conditions', 'all', 0, 'value'], before: 500_000, after: 600_000 },
      { kind: 'added', path: ['tiers', 'D', 'name'], before: null, after: 'Mass' },
    ]);
  });

  it('compares keyed items by key: a removed tier is one removal, the tiers after it unchanged', () => {
    const tier = (key: string) => ({ key, name: key.toLowerCase(), rank: 1 });
    expect(changesOf({ tiers: [tier('A'), tier('D'), tier('E')] }, { tiers: [tier('A'), tier('E'), tier('BASIC')] })).toEqual([
      { kind: 'removed', path: ['tiers', 'D'], before: tier('D'), after: null },
      { kind: 'added', path: ['tiers', 'BASIC'], before: null, after: tier('BASIC') },
    ]);
    expect(changesOf({ values: [1, 2] }, { values: [1, 3] })).toEqual([{ kind: 'changed', path: ['values', 1], before: 2, after: 3 }]);
  });

  it('shows a creation as everything added and a deletion as everything removed', () => {
    expect(changesOf(null, { key: 'balance', unit: 'CNY' })).toEqual([
      { kind: 'added', path: ['key'], before: null, after: 'balance' },
      { kind: 'added', path: ['unit'], before: null, after: 'CNY' },
    ]);
    expect(changesOf({ key: 'balance' }, null)).toEqual([{ kind: 'removed', path: ['key'], before: 'balance', after: null }]);
    expect(changesOf(3, 4)).toEqual([{ kind: 'changed', path: [], before: 3, after: 4 }]);
    expect(changesOf({ a: 1 }, { a: 1 })).toEqual([]);
  });
});
