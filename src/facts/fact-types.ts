export type FactType = 'NUMBER' | 'STRING' | 'BOOLEAN' | 'DATE' | 'STRING_LIST';
export const FACT_TYPES: readonly FactType[] = ['NUMBER', 'STRING', 'BOOLEAN', 'DATE', 'STRING_LIST'];

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Why `value` does not fit `type`, or null when it does. */
export function factValueProblem(type: FactType, value: unknown): string | null {
  switch (type) {
    case 'NUMBER':
      return typeof value === 'number' && Number.isFinite(value) ? null : `expected a finite number, got ${describe(value)}`;
    case 'STRING':
      return typeof value === 'string' ? null : `expected a string, got ${describe(value)}`;
    case 'BOOLEAN':
      return typeof value === 'boolean' ? null : `expected true or false, got ${describe(value)}`;
    case 'DATE':
      return typeof value === 'string' && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value))
        ? null
        : `expected an ISO 8601 date such as "2024-03-31", got ${describe(value)}`;
    case 'STRING_LIST':
      return Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? null
        : `expected a list of strings, got ${describe(value)}`;
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return `a ${typeof value}`;
}
