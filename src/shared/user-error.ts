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
  | 'LIMIT_REACHED';

/** An expected failure of a mutation, returned in its payload; nothing was written. */
@ObjectType({ description: 'An expected failure of a mutation; when any is returned nothing was written.' })
export class UserError {
  @Field({ description: 'INVALID, NOT_FOUND, CONFLICT, UNKNOWN_FACT, TYPE_MISMATCH, INVALID_RULE, UNKNOWN_ENTITLEMENT, SELF_APPROVAL, TEST_FAILED, LIMIT_REACHED' })
  code: UserErrorCode;

  @Field(() => [String], { nullable: true, description: 'Path to the offending input, e.g. ["input","facts","balance"].' })
  field: string[] | null;

  @Field()
  message: string;
}

export function userError(code: UserErrorCode, field: (string | number)[] | null, message: string): UserError {
  return Object.assign(new UserError(), { code, field: field && field.map(String), message });
}

/** Thrown inside a mutation's transaction to roll it back and answer with `userErrors`. */
export class UserErrors extends Error {
  constructor(readonly errors: UserError[]) {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'UserErrors';
  }
}

/** Throws when any problem was collected, so callers can gather every problem first. */
export function throwIfAny(errors: UserError[]): void {
  if (errors.length > 0) throw new UserErrors(errors);
}
