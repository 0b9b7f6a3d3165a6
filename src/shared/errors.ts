/** Codes a client may see in `extensions.code` for failures outside a mutation payload. */
export type DomainErrorCode = 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT';

/** An expected failure that is not a mutation's `userErrors`: mapped once to `extensions.code`. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
