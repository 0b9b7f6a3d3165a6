import { EntitlementCandidate, EntitlementPolicy, entitlementDeltas, mergeEntitlements } from '../../src/engine';

const policies: Record<string, EntitlementPolicy> = {
  dedicatedManager: { valueType: 'BOOLEAN', better: null },
  feeDiscountPct: { valueType: 'NUMBER', better: 'HIGHER' },
  responseHours: { valueType: 'NUMBER', better: 'LOWER' },
  slaLevel: { valueType: 'STRING', better: null },
};
const tier = (key: string, value: unknown, programKey = 'retail'): EntitlementCandidate => ({
  key, value, source: 'TIER', programKey, tierKey: 'T', grantId: null, expiresAt: null,
});
const grant = (key: string, value: unknown, grantId = 'g1'): EntitlementCandidate => ({
  key, value, source: 'GRANT', programKey: null, tierKey: null, grantId, expiresAt: null,
});
const merge = (candidates: EntitlementCandidate[]) => mergeEntitlements(candidates, (k) => policies[k]);

describe(mergeEntitlements.name, () => {
  it('takes true over false', () => {
    expect(merge([tier('dedicatedManager', false), grant('dedicatedManager', true)])).toEqual([grant('dedicatedManager', true)]);
  });

  it('takes the higher number where HIGHER is better and the lower where LOWER is', () => {
    const result = merge([tier('feeDiscountPct', 20, 'a'), tier('feeDiscountPct', 30, 'b'), tier('responseHours', 8, 'a'), tier('responseHours', 2, 'b')]);
    expect(result.map((e) => [e.key, e.value, e.programKey])).toEqual([
      ['feeDiscountPct', 30, 'b'],
      ['responseHours', 2, 'b'],
    ]);
  });

  it('keeps the tier as the source when a grant only repeats its value', () => {
    expect(merge([tier('feeDiscountPct', 20), grant('feeDiscountPct', 20)])[0].source).toBe('TIER');
  });

  it('lets an explicit grant win for strings, the newest grant last', () => {
    expect(merge([tier('slaLevel', 'gold'), grant('slaLevel', 'silver', 'g1'), grant('slaLevel', 'platinum', 'g2')])[0]).toMatchObject({
      value: 'platinum',
      grantId: 'g2',
    });
  });

  it('drops keys the catalog does not know and sorts by key', () => {
    expect(merge([tier('responseHours', 4), tier('lounge', true), tier('dedicatedManager', true)]).map((e) => e.key)).toEqual([
      'dedicatedManager',
      'responseHours',
    ]);
  });
});

describe(entitlementDeltas.name, () => {
  const deltas = (before: Record<string, unknown>, after: Record<string, unknown>) =>
    entitlementDeltas(new Map(Object.entries(before)), new Map(Object.entries(after)), (key) => policies[key]);

  it('calls a changed string changed, neither gained nor lost: strings have no order', () => {
    expect(deltas({ slaLevel: 'gold', feeDiscountPct: 25 }, { slaLevel: 'silver', feeDiscountPct: 10 })).toEqual({
      gained: [],
      lost: [{ key: 'feeDiscountPct', before: 25, after: 10 }],
      changed: [{ key: 'slaLevel', before: 'gold', after: 'silver' }],
    });
  });

  it('counts a new key as gained and a dropped one as lost, whatever its type', () => {
    expect(deltas({ slaLevel: 'gold' }, { loungeAccess: true })).toEqual({
      gained: [{ key: 'loungeAccess', before: null, after: true }],
      lost: [{ key: 'slaLevel', before: 'gold', after: null }],
      changed: [],
    });
  });
});
