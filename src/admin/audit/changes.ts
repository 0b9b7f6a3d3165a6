import diff from 'microdiff';

/** One difference between an audit entry's before and after, at a path a person can read. */
export interface Change {
  kind: 'added' | 'removed' | 'changed';
  /** e.g. ["tiers", "A", "conditions", "all", 0, "value"]: array items that have a key are named by it. */
  path: (string | number)[];
  before: unknown;
  after: unknown;
}

const KIND = { CREATE: 'added', REMOVE: 'removed', CHANGE: 'changed' } as const;

/** Names an array item by its `key` when it has one (a tier, an entitlement), else by its index. */
function readablePath(path: (string | number)[], before: unknown, after: unknown): (string | number)[] {
  let b: unknown = before;
  let a: unknown = after;
  return path.map((step) => {
    const item = (node: unknown) => (node && typeof node === 'object' ? (node as Record<string | number, unknown>)[step] : undefined);
    const [nb, na] = [item(b), item(a)];
    const named = typeof step === 'number' ? ((na ?? nb) as { key?: unknown } | undefined)?.key : undefined;
    [b, a] = [nb, na];
    return typeof named === 'string' ? named : step;
  });
}

/**
 * What an audited change did, leaf by leaf (microdiff does the walking). Items are
 * compared by position, as the stored documents keep them in order.
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
  return diff(before, after).map((d) => ({
    kind: KIND[d.type],
    path: readablePath(d.path, before, after),
    before: d.type === 'CREATE' ? null : d.oldValue,
    after: d.type === 'REMOVE' ? null : d.value,
  }));
}
