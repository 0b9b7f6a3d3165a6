import { EntitlementValueType } from '../engine';

/** An entitlement is a setting a channel shows or enforces, not a document. */
export const ENTITLEMENT_STRING_MAX_LENGTH = 1_000;

/** Why `value` cannot be an entitlement of `type`, or null. */
export function entitlementValueProblem(type: EntitlementValueType, value: unknown): string | null {
  switch (type) {
    case 'BOOLEAN':
      return typeof value === 'boolean' ? null : 'expected true or false';
    case 'NUMBER':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'expected a finite number';
    case 'STRING':
      if (typeof value !== 'string') return 'expected a string';
      return value.length > ENTITLEMENT_STRING_MAX_LENGTH ? `strings hold at most ${ENTITLEMENT_STRING_MAX_LENGTH} characters, got ${value.length}` : null;
  }
}
