/** An interval as the API sends it: a missing bound is unbounded on that side. */
export interface NumberRange {
  min: number | null;
  minIncluded: boolean;
  max: number | null;
  maxIncluded: boolean;
}

/** Where a range sits on the line, in percent of its width. */
export interface Band {
  left: number;
  width: number;
  range: NumberRange;
}

export interface NumberLine {
  /** The thresholds, each with its place on the line. */
  ticks: { value: number; at: number }[];
  band: (range: NumberRange) => Band;
}

/**
 * A line for thresholds: every threshold gets an equal step, whatever its size, so
 * 10,000, 50,000 and 6,000,000 stay readable side by side (a linear scale would squash
 * the lower tiers into a pixel). An open end gets a step of its own.
 */
export function numberLine(ranges: readonly NumberRange[]): NumberLine {
  const values = [...new Set(ranges.flatMap((r) => [r.min, r.max]).filter((v): v is number => v !== null))].sort((a, b) => a - b);
  const openBelow = ranges.some((r) => r.min === null) || values.length === 0;
  const openAbove = ranges.some((r) => r.max === null) || values.length === 0;
  const steps = Math.max(1, values.length - 1 + Number(openBelow) + Number(openAbove));
  const at = (v: number | null, low: boolean) => {
    if (v === null) return low ? 0 : 100;
    return ((values.indexOf(v) + Number(openBelow)) / steps) * 100;
  };
  return {
    ticks: values.map((value) => ({ value, at: at(value, true) })),
    band: (range) => {
      const left = at(range.min, true);
      return { left, width: Math.max(at(range.max, false) - left, 0), range };
    },
  };
}

/** "≥ 200,000 and < 500,000", "≥ 500,000", "< 10,000", "= 3": signs read the same in every language. */
export function describeRange(range: NumberRange, number: (n: number) => string, and = ' and '): string {
  const { min, max, minIncluded, maxIncluded } = range;
  if (min === null && max === null) return '∀';
  if (min !== null && min === max) return `= ${number(min)}`;
  if (min === null) return `${maxIncluded ? '≤' : '<'} ${number(max!)}`;
  if (max === null) return `${minIncluded ? '≥' : '>'} ${number(min)}`;
  return `${minIncluded ? '≥' : '>'} ${number(min)}${and}${maxIncluded ? '≤' : '<'} ${number(max)}`;
}
