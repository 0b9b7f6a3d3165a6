import type { ProgramDocument } from '../programs/rule-set-version.entity';
import { formatNumber } from '../engine';
import { DEFAULT_TIME_ZONE, timingOf } from '../rules/time-policy';

export type TierChangeKind = 'ADDED' | 'REMOVED' | 'CHANGED' | 'UNCHANGED';

export interface TierDiffData {
  tierKey: string;
  change: TierChangeKind;
  /** What changed, one line each, e.g. `rule: balance ≥ 500,000 → balance ≥ 600,000`. */
  lines: string[];
}

export interface DocumentDiffData {
  appliesTo: string[];
  tiers: TierDiffData[];
}

const SYMBOLS: Record<string, string> = {
  equal: '=',
  notEqual: '≠',
  lessThan: '<',
  lessThanInclusive: '≤',
  greaterThan: '>',
  greaterThanInclusive: '≥',
  in: 'is one of',
  notIn: 'is none of',
  contains: 'includes',
  doesNotContain: 'does not include',
};

function literal(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  return JSON.stringify(value);
}

/** A condition tree as one line a person reads: `balance ≥ 500,000 AND segment = "vip"`. */
export function renderConditions(node: unknown): string {
  const render = (n: unknown, nested: boolean): string => {
    if (!n || typeof n !== 'object') return String(n);
    const c = n as Record<string, unknown>;
    for (const kind of ['all', 'any'] as const) {
      if (Array.isArray(c[kind])) {
        const children = c[kind] as unknown[];
        if (children.length === 0) return 'everyone';
        if (children.length === 1) return render(children[0], nested);
        const text = children.map((x) => render(x, true)).join(kind === 'all' ? ' AND ' : ' OR ');
        return nested ? `(${text})` : text;
      }
    }
    if ('not' in c) return `NOT ${render(c.not, true)}`;
    return `${c.fact} ${SYMBOLS[c.operator as string] ?? c.operator} ${literal(c.value)}`;
  };
  return render(node, false);
}

const PERIODS: Record<string, string> = { MONTH: 'monthly', QUARTER: 'quarterly', YEAR: 'yearly', ANNIVERSARY: 'anniversary' };

/** A time policy in words: `downgrades at the yearly review, after 30 days' grace, one tier at a time`. */
export function renderTimePolicy(policy: ProgramDocument['timePolicy']): string {
  const p = timingOf({ timePolicy: policy, tiers: [] }).policy;
  const when = p.downgrade === 'REVIEW' ? `downgrades at the ${PERIODS[p.review ?? 'YEAR']} review` : 'downgrades at once';
  const grace = p.graceDays ? `, after ${p.graceDays} days' grace` : '';
  const steps = p.steps === 'ONE' ? ', one tier at a time' : '';
  const zone = p.timeZone !== DEFAULT_TIME_ZONE ? ` (${p.timeZone})` : '';
  return when + grace + steps + zone;
}

const canonical = (v: unknown) =>
  JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));

/** Per tier, what changed between two documents, in words; tiers of `to` first, by rank. */
export function diffDocuments(from: ProgramDocument, to: ProgramDocument): DocumentDiffData {
  const appliesTo: string[] = [];
  if (canonical(from.appliesTo) !== canonical(to.appliesTo)) {
    const show = (a: unknown) => (a ? renderConditions(a) : 'every customer');
    appliesTo.push(`appliesTo: ${show(from.appliesTo)} → ${show(to.appliesTo)}`);
  }
  if (!from.retired !== !to.retired) appliesTo.push(to.retired ? 'retired: the program covers no customer' : 'reinstated: the program covers customers again');
  if (renderTimePolicy(from.timePolicy) !== renderTimePolicy(to.timePolicy)) appliesTo.push(`timePolicy: ${renderTimePolicy(from.timePolicy)} → ${renderTimePolicy(to.timePolicy)}`);
  const before = new Map(from.tiers.map((t) => [t.key, t]));
  const after = new Map(to.tiers.map((t) => [t.key, t]));
  const tiers: TierDiffData[] = [];
  for (const t of [...to.tiers].sort((a, b) => b.rank - a.rank)) {
    const old = before.get(t.key);
    if (!old) {
      const lines = [`name: ${JSON.stringify(t.name)}`, `rank: ${t.rank}`, `rule: ${renderConditions(t.conditions)}`];
      for (const e of t.entitlements) lines.push(`entitlement ${e.key}: ${literal(e.value)}`);
      tiers.push({ tierKey: t.key, change: 'ADDED', lines });
      continue;
    }
    const lines: string[] = [];
    if (old.name !== t.name) lines.push(`name: ${JSON.stringify(old.name)} → ${JSON.stringify(t.name)}`);
    if (old.rank !== t.rank) lines.push(`rank: ${old.rank} → ${t.rank}`);
    if (canonical(old.conditions) !== canonical(t.conditions)) lines.push(`rule: ${renderConditions(old.conditions)} → ${renderConditions(t.conditions)}`);
    if (!old.protected !== !t.protected) lines.push(`protected: ${old.protected ? 'yes' : 'no'} → ${t.protected ? 'yes' : 'no'}`);
    if ((old.minimumStayDays ?? 0) !== (t.minimumStayDays ?? 0)) lines.push(`minimum stay: ${old.minimumStayDays ?? 0} → ${t.minimumStayDays ?? 0} days`);
    const oldValues = new Map(old.entitlements.map((e) => [e.key, e.value]));
    const newValues = new Map(t.entitlements.map((e) => [e.key, e.value]));
    for (const [key, value] of newValues) {
      if (!oldValues.has(key)) lines.push(`entitlement ${key} added: ${literal(value)}`);
      else if (canonical(oldValues.get(key)) !== canonical(value)) lines.push(`entitlement ${key}: ${literal(oldValues.get(key))} → ${literal(value)}`);
    }
    for (const [key, value] of oldValues) if (!newValues.has(key)) lines.push(`entitlement ${key} removed (was ${literal(value)})`);
    tiers.push({ tierKey: t.key, change: lines.length ? 'CHANGED' : 'UNCHANGED', lines });
  }
  for (const t of [...from.tiers].sort((a, b) => b.rank - a.rank)) {
    if (!after.has(t.key)) tiers.push({ tierKey: t.key, change: 'REMOVED', lines: [`was: ${renderConditions(t.conditions)}`] });
  }
  return { appliesTo, tiers };
}
