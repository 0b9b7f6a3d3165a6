import { analyzeCoverage, coverageByFact } from '../../src/authoring/coverage';
import { diffDocuments, renderConditions } from '../../src/authoring/diff';
import { ProgramDocument } from '../../src/programs/rule-set-version.entity';

const types: Record<string, 'NUMBER' | 'STRING'> = { balance: 'NUMBER', aum: 'NUMBER', segment: 'STRING' };
const factTypeOf = (k: string) => types[k];
const gte = (fact: string, value: number) => ({ fact, operator: 'greaterThanInclusive', value });
const lt = (fact: string, value: number) => ({ fact, operator: 'lessThan', value });
const tier = (key: string, rank: number, conditions: Record<string, unknown>) => ({ key, name: key, rank, conditions, entitlements: [] });
const doc = (...tiers: ProgramDocument['tiers']): ProgramDocument => ({ appliesTo: null, tiers });

describe('coverage analysis', () => {
  it('finds the gap in DOMAIN.md’s A/B/C/D table when A starts at 500,000 and B ends at 200,000', () => {
    const warnings = analyzeCoverage(
      doc(tier('A', 4, { all: [gte('balance', 500_000)] }), tier('B', 3, { all: [gte('balance', 50_000), lt('balance', 200_000)] }), tier('C', 2, { all: [gte('balance', 10_000), lt('balance', 50_000)] }), tier('D', 1, { all: [lt('balance', 10_000)] })),
      factTypeOf,
    );
    expect(warnings).toEqual([
      { code: 'COVERAGE_GAP', path: ['tiers'], message: expect.stringContaining('balance from 200,000 up to 500,000 (not included) match no tier') },
    ]);
  });

  it('draws the same gap as a number line: each tier\'s range by rank, and the gap between B and A', () => {
    const [balance] = coverageByFact(
      doc(tier('A', 4, { all: [gte('balance', 500_000)] }), tier('B', 3, { all: [gte('balance', 50_000), lt('balance', 200_000)] }), tier('D', 1, { all: [lt('balance', 50_000)] })),
      factTypeOf,
    );
    expect(balance.fact).toBe('balance');
    expect(balance.tiers.map((t) => [t.key, t.accepts.map((x) => [x.lo, x.hi])])).toEqual([
      ['A', [[500_000, Infinity]]],
      ['B', [[50_000, 200_000]]],
      ['D', [[-Infinity, 50_000]]],
    ]);
    expect(balance.gaps).toEqual([{ lo: 200_000, loOpen: false, hi: 500_000, hiOpen: true }]);
  });

  it('limits the line to what appliesTo lets through', () => {
    const [balance] = coverageByFact({ ...doc(tier('A', 2, { all: [gte('balance', 500_000)] })), appliesTo: { all: [gte('balance', 100_000)] } }, factTypeOf);
    expect(balance.domain).toEqual([{ lo: 100_000, loOpen: false, hi: Infinity, hiOpen: true }]);
    expect(balance.gaps).toEqual([{ lo: 100_000, loOpen: false, hi: 500_000, hiOpen: true }]);
  });

  it('says nothing about a plain ladder of lower bounds with a fallback', () => {
    expect(analyzeCoverage(doc(tier('A', 3, { all: [gte('balance', 500_000)] }), tier('B', 2, { all: [gte('balance', 50_000)] }), tier('D', 1, { all: [] })), factTypeOf)).toEqual([]);
  });

  it('counts conditions on other facts as "anything", so reported gaps are real', () => {
    const warnings = analyzeCoverage(doc(tier('A', 2, { any: [gte('balance', 500_000), { fact: 'segment', operator: 'equal', value: 'vip' }] }), tier('B', 1, { all: [lt('balance', 100_000)] })), factTypeOf);
    expect(warnings).toEqual([]);
  });

  it('flags tiers that can never match and bands that higher tiers cut into', () => {
    const warnings = analyzeCoverage(
      doc(
        tier('TOP', 5, { all: [gte('balance', 100_000)] }),
        tier('SHADOWED', 4, { all: [gte('balance', 200_000)] }),
        tier('BAND', 3, { all: [gte('balance', 50_000), lt('balance', 150_000)] }),
        tier('EMPTY', 2, { all: [gte('balance', 10), lt('balance', 5)] }),
        tier('REST', 1, { all: [] }),
      ),
      factTypeOf,
    );
    expect(warnings).toEqual([
      { code: 'UNREACHABLE_TIER', path: ['tiers', 1, 'conditions'], message: 'tier SHADOWED can never match: every customer it accepts matches TOP (rank 5) first' },
      { code: 'HIDDEN_OVERLAP', path: ['tiers', 2, 'conditions'], message: 'tier BAND overlaps higher-ranked tiers, which win there: TOP where balance from 100,000 up to 150,000 (not included)' },
      { code: 'UNREACHABLE_TIER', path: ['tiers', 3, 'conditions'], message: 'tier EMPTY can never match: its conditions contradict each other' },
    ]);
  });

  it('notices a fallback ranked above the tiers it hides', () => {
    const warnings = analyzeCoverage(doc(tier('EVERYONE', 2, { all: [] }), tier('RICH', 1, { all: [gte('balance', 1)] })), factTypeOf);
    expect(warnings.map((w) => w.code)).toEqual(['UNREACHABLE_TIER']);
  });
});

describe('diff', () => {
  it('renders condition trees the way a person reads them', () => {
    expect(renderConditions({ all: [gte('balance', 500_000), { any: [{ fact: 'segment', operator: 'in', value: ['vip', 'private'] }, { not: lt('aum', 1e6) }] }] })).toBe(
      'balance ≥ 500,000 AND (segment is one of ["vip", "private"] OR NOT aum < 1,000,000)',
    );
    expect(renderConditions({ all: [] })).toBe('everyone');
  });

  it('lists per tier what was added, removed and changed', () => {
    const before = doc(tier('A', 2, { all: [gte('balance', 500_000)] }), tier('B', 1, { all: [] }));
    const after: ProgramDocument = {
      appliesTo: { all: [{ fact: 'segment', operator: 'equal', value: 'retail' }] },
      tiers: [{ ...tier('A', 3, { all: [gte('balance', 600_000)] }), entitlements: [{ key: 'feeDiscountPct', value: 20 }] }, tier('N', 2, { all: [gte('balance', 1)] })],
    };
    expect(diffDocuments(before, after)).toEqual({
      appliesTo: ['appliesTo: every customer → segment = "retail"'],
      tiers: [
        { tierKey: 'A', change: 'CHANGED', lines: ['rank: 2 → 3', 'rule: balance ≥ 500,000 → balance ≥ 600,000', 'entitlement feeDiscountPct added: 20'] },
        { tierKey: 'N', change: 'ADDED', lines: ['name: "N"', 'rank: 2', 'rule: balance ≥ 1'] },
        { tierKey: 'B', change: 'REMOVED', lines: ['was: everyone'] },
      ],
    });
  });
});
