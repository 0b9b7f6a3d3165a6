import type { ValueKind } from '../engine';

/** A fact's type: the value kinds the engine knows (engine/display.ts). */
export type FactType = ValueKind;
export const FACT_TYPES: readonly FactType[] = ['NUMBER', 'STRING', 'BOOLEAN', 'DATE', 'STRING_LIST'];

/** Facts are scalars an integrator copies from a source system, not documents. */
export const FACT_LIMITS = { maxStringLength: 1_000, maxListItems: 100 } as const;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Why `value` does not fit `type`, or null when it does. */
export function factValueProblem(type: FactType, value: unknown): string | null {
  switch (type) {
    case 'NUMBER':
      return typeof value === 'number' && Number.isFinite(value) ? null : `expected a finite number, got ${describe(value)}`;
    case 'STRING':
      if (typeof value !== 'string') return `expected a string, got ${describe(value)}`;
      return tooLong(value);
    case 'BOOLEAN':
      return typeof value === 'boolean' ? null : `expected true or false, got ${describe(value)}`;
    case 'DATE':
      return typeof value === 'string' && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value))
        ? null
        : `expected an ISO 8601 date such as "2024-03-31", got ${describe(value)}`;
    case 'STRING_LIST':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return `expected a list of strings, got ${describe(value)}`;
      if (value.length > FACT_LIMITS.maxListItems) return `a list holds at most ${FACT_LIMITS.maxListItems} strings, got ${value.length}`;
      return value.map(tooLong).find((problem) => problem) ?? null;
  }
}

function tooLong(value: string): string | null {
  return value.length > FACT_LIMITS.maxStringLength ? `strings hold at most ${FACT_LIMITS.maxStringLength} characters, got ${value.length}` : null;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return `a ${typeof value}`;
}
