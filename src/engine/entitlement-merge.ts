export type EntitlementValueType = 'BOOLEAN' | 'NUMBER' | 'STRING';
export type Better = 'HIGHER' | 'LOWER';

export interface EntitlementPolicy {
  valueType: EntitlementValueType;
  /** For numbers: which direction is more generous (HIGHER when unset). */
  better: Better | null;
}

/** One value a customer could receive for an entitlement key, with where it comes from. */
export interface EntitlementCandidate {
  key: string;
  value: unknown;
  source: 'TIER' | 'GRANT';
  programKey: string | null;
  tierKey: string | null;
  grantId: string | null;
  expiresAt: Date | null;
}

/**
 * Picks one value per entitlement key: the most generous across all sources.
 * Booleans: true beats false. Numbers: HIGHER or LOWER per the catalog. Strings have no
 * order, so an explicit grant beats a tier value and the newest grant wins.
 * On a tie the earlier candidate stays: pass tier values before grants, so a grant that
 * only repeats a tier's value does not hide the tier as the source.
 */
export function mergeEntitlements(
  candidates: readonly EntitlementCandidate[],
  policyOf: (key: string) => EntitlementPolicy | undefined,
): EntitlementCandidate[] {
  const best = new Map<string, EntitlementCandidate>();
  for (const candidate of candidates) {
    const policy = policyOf(candidate.key);
    if (!policy) continue;
    const current = best.get(candidate.key);
    if (!current || moreGenerous(candidate, current, policy)) best.set(candidate.key, candidate);
  }
  return [...best.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function moreGenerous(a: EntitlementCandidate, b: EntitlementCandidate, policy: EntitlementPolicy): boolean {
  switch (policy.valueType) {
    case 'BOOLEAN':
      return a.value === true && b.value !== true;
    case 'NUMBER': {
      const x = Number(a.value);
      const y = Number(b.value);
      return policy.better === 'LOWER' ? x < y : x > y;
    }
    case 'STRING':
      return a.source === 'GRANT';
  }
}

export interface EntitlementDelta {
  key: string;
  before: unknown;
  after: unknown;
}

/**
 * How a set of tier entitlement values changes: gained = new or more generous, lost =
 * gone or less generous, changed = a STRING value replaced by another: strings have no
 * order, so neither better nor worse can be said of them.
 */
export function entitlementDeltas(
  before: ReadonlyMap<string, unknown>,
  after: ReadonlyMap<string, unknown>,
  policyOf: (key: string) => EntitlementPolicy | undefined,
): { gained: EntitlementDelta[]; lost: EntitlementDelta[]; changed: EntitlementDelta[] } {
  const gained: EntitlementDelta[] = [];
  const lost: EntitlementDelta[] = [];
  const changed: EntitlementDelta[] = [];
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const key of keys) {
    const delta = { key, before: before.get(key) ?? null, after: after.get(key) ?? null };
    const policy = policyOf(key);
    if (!after.has(key)) lost.push(delta);
    else if (!before.has(key)) gained.push(delta);
    else if (JSON.stringify(delta.before) === JSON.stringify(delta.after) || !policy) continue;
    else if (policy.valueType === 'STRING') changed.push(delta);
    else {
      const as = (value: unknown) => ({ key, value, source: 'TIER' as const, programKey: null, tierKey: null, grantId: null, expiresAt: null });
      (moreGenerous(as(delta.after), as(delta.before), policy) ? gained : lost).push(delta);
    }
  }
  return { gained, lost, changed };
}
