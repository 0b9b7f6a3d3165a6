import { formatNumber } from '../engine';

/** Sets of real numbers as sorted, disjoint intervals; enough to reason about thresholds. */
export interface Interval {
  lo: number;
  loOpen: boolean;
  hi: number;
  hiOpen: boolean;
}

export type IntervalSet = Interval[];

export const FULL: IntervalSet = [{ lo: -Infinity, loOpen: true, hi: Infinity, hiOpen: true }];
export const EMPTY: IntervalSet = [];

export function interval(lo: number, loOpen: boolean, hi: number, hiOpen: boolean): IntervalSet {
  const empty = lo > hi || (lo === hi && (loOpen || hiOpen));
  return empty ? EMPTY : [{ lo, loOpen: loOpen || lo === -Infinity, hi, hiOpen: hiOpen || hi === Infinity }];
}

export const point = (v: number) => interval(v, false, v, false);

/** Whether `a` ends before `b` starts with a gap between them (they neither overlap nor touch). */
function apart(a: Interval, b: Interval): boolean {
  return a.hi < b.lo || (a.hi === b.lo && a.hiOpen && b.loOpen);
}

export function union(...sets: IntervalSet[]): IntervalSet {
  const all = sets.flat().sort((a, b) => a.lo - b.lo || Number(a.loOpen) - Number(b.loOpen));
  const out: Interval[] = [];
  for (const next of all) {
    const last = out[out.length - 1];
    if (!last || apart(last, next)) {
      out.push({ ...next });
    } else if (next.hi > last.hi || (next.hi === last.hi && !next.hiOpen)) {
      last.hi = next.hi;
      last.hiOpen = next.hiOpen;
    }
  }
  return out;
}

export function intersect(a: IntervalSet, b: IntervalSet): IntervalSet {
  const out: IntervalSet[] = [];
  for (const x of a) {
    for (const y of b) {
      const [lo, loOpen] = x.lo > y.lo ? [x.lo, x.loOpen] : x.lo < y.lo ? [y.lo, y.loOpen] : [x.lo, x.loOpen || y.loOpen];
      const [hi, hiOpen] = x.hi < y.hi ? [x.hi, x.hiOpen] : x.hi > y.hi ? [y.hi, y.hiOpen] : [x.hi, x.hiOpen || y.hiOpen];
      out.push(interval(lo, loOpen, hi, hiOpen));
    }
  }
  return union(...out);
}

export function complement(set: IntervalSet): IntervalSet {
  const out: IntervalSet[] = [];
  let lo = -Infinity;
  let loOpen = true;
  for (const x of set) {
    out.push(interval(lo, loOpen, x.lo, !x.loOpen));
    lo = x.hi;
    loOpen = !x.hiOpen;
  }
  out.push(interval(lo, loOpen, Infinity, true));
  return union(...out);
}

export const isEmpty = (set: IntervalSet) => set.length === 0;
export const isFull = (set: IntervalSet) => set.length === 1 && set[0].lo === -Infinity && set[0].hi === Infinity;
export const contains = (outer: IntervalSet, inner: IntervalSet) => isEmpty(intersect(inner, complement(outer)));

/** In words a product owner reads: "from 200,000 up to 500,000 (not included)". */
export function describeInterval(x: Interval): string {
  const lo = formatNumber(x.lo);
  const hi = formatNumber(x.hi);
  if (x.lo === x.hi) return `exactly ${lo}`;
  if (x.lo === -Infinity && x.hi === Infinity) return 'any value';
  if (x.lo === -Infinity) return x.hiOpen ? `below ${hi}` : `${hi} or less`;
  if (x.hi === Infinity) return x.loOpen ? `above ${lo}` : `${lo} or more`;
  return `from ${lo}${x.loOpen ? ' (not included)' : ''} up to ${hi}${x.hiOpen ? ' (not included)' : ''}`;
}

export function describeSet(set: IntervalSet): string {
  return set.map(describeInterval).join(', or ');
}
