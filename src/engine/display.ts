import { formatNumber } from './shortfall';

export type ValueKind = 'BOOLEAN' | 'NUMBER' | 'STRING' | 'DATE' | 'STRING_LIST';

/** A value as a person reads it: "50 %", "2 hours", "yes", "payroll, vip". */
export function displayValue(kind: ValueKind, value: unknown, unit: string | null): string {
  if (value === null || value === undefined) return '—';
  switch (kind) {
    case 'BOOLEAN':
      return value === true ? 'yes' : 'no';
    case 'NUMBER':
      return typeof value === 'number' ? (unit ? `${formatNumber(value)} ${unit}` : formatNumber(value)) : String(value);
    case 'STRING_LIST':
      return Array.isArray(value) ? value.join(', ') : String(value);
    default:
      return String(value);
  }
}
