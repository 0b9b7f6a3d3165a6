import { EntitlementValueType } from '../engine';

/** Why `value` cannot be an entitlement of `type`, or null. */
export function entitlementValueProblem(type: EntitlementValueType, value: unknown): string | null {
  switch (type) {
    case 'BOOLEAN':
      return typeof value === 'boolean' ? null : 'expected true or false';
    case 'NUMBER':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'expected a finite number';
    case 'STRING':
      return typeof value === 'string' ? null : 'expected a string';
  }
}
