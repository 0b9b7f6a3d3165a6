import { ValidationError, validateSync } from 'class-validator';
import { UserError, throwIfAny, userError } from './user-error';

/** Shape check of an input object (class-validator decorators), as `userErrors` under `path`. */
export function assertValidInput(input: object, path: string[]): void {
  throwIfAny(inputProblems(input, path));
}

/**
 * The same check, answered rather than thrown, for calls that report each item of a batch
 * apart. Synchronous: no Strata input has an asynchronous constraint, and a batch of 500
 * would otherwise make thousands of promises.
 */
export function inputProblems(input: object, path: (string | number)[]): UserError[] {
  const errors = validateSync(input, { forbidUnknownValues: false });
  return errors.flatMap((e) => toUserErrors(e, path));
}

function toUserErrors(error: ValidationError, path: (string | number)[]): UserError[] {
  const here = [...path, error.property];
  const own = Object.values(error.constraints ?? {}).map((message) => userError('INVALID', here, message));
  return [...own, ...(error.children ?? []).flatMap((child) => toUserErrors(child, here))];
}
