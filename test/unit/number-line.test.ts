import fc from 'fast-check';
import { describeRange, numberLine, type NumberRange } from '../../src/admin/conditions/number-line';

const range = (min: number | null, max: number | null, minIncluded = true, maxIncluded = false): NumberRange => ({ min, max, minIncluded, maxIncluded });
const number = (n: number) => n.toLocaleString('en');

describe('the coverage number line', () => {
  it('gives each threshold an equal step and each open end one more', () => {
    const line = numberLine([range(500_000, null), range(50_000, 200_000), range(null, 50_000), range(200_000, 500_000)]);
    expect(line.ticks).toEqual([
      { value: 50_000, at: 25 },
      { value: 200_000, at: 50 },
      { value: 500_000, at: 75 },
    ]);
    expect(line.band(range(200_000, 500_000))).toMatchObject({ left: 50, width: 25 });
    expect(line.band(range(500_000, null))).toMatchObject({ left: 75, width: 25 });
    expect(line.band(range(null, 50_000))).toMatchObject({ left: 0, width: 25 });
  });

  it('starts at the lowest threshold when nothing lies below it', () => {
    const line = numberLine([range(0, 100), range(100, null)]);
    expect(line.ticks.map((t) => t.at)).toEqual([0, 50]);
  });

  it('places bands in order, inside the line, never overlapping the ranges they do not share', () => {
    const bound = fc.option(fc.integer({ min: -1e6, max: 1e6 }), { nil: null });
    const ranges = fc.array(fc.tuple(bound, bound).map(([a, b]) => (a !== null && b !== null && a > b ? range(b, a) : range(a, b))), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(ranges, (rs) => {
        const line = numberLine(rs);
        for (const r of rs) {
          const { left, width } = line.band(r);
          expect(left).toBeGreaterThanOrEqual(0);
          expect(left + width).toBeLessThanOrEqual(100 + 1e-9);
        }
        for (const a of rs)
          for (const b of rs)
            if (a.max !== null && b.min !== null && a.max <= b.min) {
              const [x, y] = [line.band(a), line.band(b)];
              expect(x.left + x.width).toBeLessThanOrEqual(y.left + 1e-9);
            }
        const ats = line.ticks.map((t) => t.at);
        expect([...ats].sort((a, b) => a - b)).toEqual(ats);
      }),
    );
  });

  it('describes a range with its bounds\' inclusion', () => {
    expect(describeRange(range(200_000, 500_000), number)).toBe('≥ 200,000 and < 500,000');
    expect(describeRange(range(500_000, null, false), number)).toBe('> 500,000');
    expect(describeRange(range(null, 10_000, true, true), number)).toBe('≤ 10,000');
    expect(describeRange(range(3, 3, true, true), number)).toBe('= 3');
  });
});
