import { Field, ObjectType } from 'type-graphql';
import { describedEnum } from './described-enum';

/** What kind of problem a userError is: the codes and what each means. */
const USER_ERROR_CODES = {
  INVALID: 'The value breaks a rule of its field: length, range, form or a required relation to another field.',
  NOT_FOUND: 'The customer, program, draft, tier or other thing the field names does not exist.',
  CONFLICT: 'Someone wrote first (the revision or version named is no longer current), the thing exists already, or an idempotency key was reused with other arguments.',
  UNKNOWN_FACT: 'A fact key that is not in the catalog.',
  TYPE_MISMATCH: "A value that does not fit its fact's or entitlement's type.",
  INVALID_RULE: 'A rule document outside the json-rules-engine subset Strata accepts.',
  UNKNOWN_ENTITLEMENT: 'An entitlement key that is not in the catalog.',
  SELF_APPROVAL: 'The key approving a draft opened or edited it: four-eyes needs another key.',
  TEST_FAILED: "One of the draft's test cases does not get its expected tier.",
  LIMIT_REACHED: 'As many exist as Strata keeps (programs in use).',
  TRUNCATED: 'More problems than one answer lists; this last entry counts the rest.',
} as const;

export type UserErrorCode = keyof typeof USER_ERROR_CODES;

const UserErrorCodeEnum = describedEnum('UserErrorCode', 'What kind of problem a userError is.', USER_ERROR_CODES);

/** An expected failure of a mutation, returned in its payload; nothing was written. */
@ObjectType({ description: 'An expected failure of a mutation; when any is returned nothing was written.' })
export class UserError {
  @Field(() => UserErrorCodeEnum, { description: 'What kind of problem it is.' })
  code: UserErrorCode;

  @Field(() => [String], { nullable: true, description: 'Path to the offending input, e.g. ["input","facts","balance"].' })
  field: string[] | null;

  @Field({ description: 'The problem in words, naming the value and the reason.' })
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
