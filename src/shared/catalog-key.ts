/** Fact and entitlement keys are identifiers: safe as JSON keys, SQL JSON paths and engine fact ids. */
const CATALOG_KEY = /^[a-z][A-Za-z0-9_]{0,62}$/;

/** Why `key` cannot name a catalog entry, or null. */
export function catalogKeyProblem(key: string): string | null {
  return CATALOG_KEY.test(key) ? null : 'key must start with a lowercase letter and hold only letters, digits and _ (at most 63)';
}
