import type { TypedDocumentString } from './gql/graphql';
import { session } from './session';

/** The key is missing, unknown, expired or revoked: the console returns to sign-in. */
export class SignInNeeded extends Error {}

/** An error GraphQL answered, with its code (extensions.code). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

interface GraphQLBody<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** Sends one typed operation to Strata's /graphql with the signed-in key. */
export async function request<Result, Variables>(document: TypedDocumentString<Result, Variables>, variables?: Variables): Promise<Result> {
  const key = session.key();
  if (!key) throw new SignInNeeded('sign in with an API key');
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  const body = (await response.json().catch(() => ({}))) as GraphQLBody<Result>;
  const first = body.errors?.[0];
  if (response.status === 401 || first?.extensions?.code === 'UNAUTHENTICATED') throw new SignInNeeded(first?.message ?? 'the key was refused');
  if (first) throw new ApiError(first.message, first.extensions?.code);
  if (!body.data) throw new ApiError(`Strata answered HTTP ${response.status}`, undefined);
  return body.data;
}

/** A mutation's userErrors as one sentence to show. */
export const messagesOf = (errors: readonly { message: string }[]): string => errors.map((e) => e.message).join(' ');
