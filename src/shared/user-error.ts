import { Field, ObjectType } from 'type-graphql';

export type UserErrorCode =
  | 'INVALID'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNKNOWN_FACT'
  | 'TYPE_MISMATCH'
  | 'INVALID_RULE'
  | 'UNKNOWN_ENTITLEMENT'
  | 'SELF_APPROVAL'
  | 'TEST_FAILED'
  | 'LIMIT_REACHED'
  | 'TRUNCATED';

/** An expected failure of a mutation, returned in its payload; nothing was written. */
@ObjectType({ description: 'An expected failure of a mutation; when any is returned nothing was written.' })
export class UserError {
  @Field({ description: 'INVALID, NOT_FOUND, CONFLICT, UNKNOWN_FACT, TYPE_MISMATCH, INVALID_RULE, UNKNOWN_ENTITLEMENT, SELF_APPROVAL, TEST_FAILED, LIMIT_REACHED, TRUNCATED (the last of a list cut short)' })
  code: UserErrorCode;

  @Field(() => [String], { nullable: true, description: 'Path to the offending input, e.g. ["input","facts","balance"].' })
  field: string[] | null;

  @Field()
  message: string;
}

export function userError(code: UserErrorCode, field: (string | number)[] | null, message: string): UserError {
  return Object.assign(new UserError(), { code, field: field && field.map(String), message });
}

/** The most problems one answer lists: 40,000 unknown facts need not answer 5 MB. */
export const MAX_USER_ERRORS = 100;

/** `errors`, cut to `MAX_USER_ERRORS`, the last saying how many more there are. */
export function listed(errors: UserError[]): UserError[] {
  if (errors.length <= MAX_USER_ERRORS) return errors;
  const more = errors.length - (MAX_USER_ERRORS - 1);
  return [...errors.slice(0, MAX_USER_ERRORS - 1), userError('TRUNCATED', null, `${more} more problems are not listed; fix these and send again`)];
}

/** Thrown inside a mutation's transaction to roll it back and answer with `userErrors`. */
export class UserErrors extends Error {
  readonly errors: UserError[];
  constructor(errors: UserError[]) {
    const shown = listed(errors);
    super(shown.map((e) => e.message).join('; '));
    this.errors = shown;
    this.name = 'UserErrors';
  }
}

/** Throws when any problem was collected, so callers can gather every problem first. */
export function throwIfAny(errors: UserError[]): void {
  if (errors.length > 0) throw new UserErrors(errors);
}
