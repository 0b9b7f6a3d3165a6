const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else names no row (and must not reach a uuid cast in SQL). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
