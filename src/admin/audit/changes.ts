import diff from 'microdiff';

/** One difference between an audit entry's before and after, at a path a person can read. */
export interface Change {
  kind: 'added' | 'removed' | 'changed';
  /** e.g. ["tiers", "A", "conditions", "all", 0, "value"]: items of a list that have a key are named by it. */
  path: (string | number)[];
  before: unknown;
  after: unknown;
}

const KIND = { CREATE: 'added', REMOVE: 'removed', CHANGE: 'changed' } as const;

/**
 * Lists of keyed items (tiers, entitlements, test cases by name) as objects by key, so a
 * removed tier is one removal, not every later tier shifted by one.
 */
function byKey(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(byKey);
    const keyOf = (item: unknown) => (item && typeof item === 'object' && !Array.isArray(item) ? (item as { key?: unknown }).key : undefined);
    const keys = items.map(keyOf);
    const keyed = items.length > 0 && keys.every((k) => typeof k === 'string') && new Set(keys).size === keys.length;
    return keyed ? Object.fromEntries(items.map((item, i) => [keys[i] as string, item])) : items;
  }
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, byKey(v)]));
  return value;
}

/**
 * What an audited change did, leaf by leaf (microdiff does the walking): keyed items by
 * key, other list items by position.
 */
export function changesOf(before: unknown, after: unknown): Change[] {
  const isObject = (v: unknown): v is Record<string, unknown> | unknown[] => v !== null && typeof v === 'object';
  // A creation lists each field it set, a deletion each field it dropped.
  if (before == null && isObject(after)) return changesOf(Array.isArray(after) ? [] : {}, after);
  if (after == null && isObject(before)) return changesOf(before, Array.isArray(before) ? [] : {});
  if (!isObject(before) || !isObject(after)) {
    if (JSON.stringify(before) === JSON.stringify(after)) return [];
    return [{ kind: before == null ? 'added' : after == null ? 'removed' : 'changed', path: [], before: before ?? null, after: after ?? null }];
  }
  return diff(byKey(before) as object, byKey(after) as object).map((d) => ({
    kind: KIND[d.type],
    path: d.path,
    before: d.type === 'CREATE' ? null : d.oldValue,
    after: d.type === 'REMOVE' ? null : d.value,
  }));
}
