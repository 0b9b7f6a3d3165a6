import { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { logger } from './logger';
import { DomainError } from './errors';
import { currentRequestId } from './request-id';

/** Codes raised by Apollo and graphql-js for bad requests; their messages are safe to show. */
const CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'UNAUTHENTICATED',
  'QUERY_TOO_COSTLY',
  'RATE_LIMITED',
]);

/**
 * The one place errors become what clients see: domain errors keep their code and
 * message; anything unexpected is logged with its stack and answered without details.
 * Every error carries the request id, which the log lines of the request carry too.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const requestId = currentRequestId();
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) {
    return { message: original.message, path: formatted.path, locations: formatted.locations, extensions: { code: original.code, requestId } };
  }
  const code = formatted.extensions?.code;
  if (original instanceof GraphQLError && typeof code === 'string' && CLIENT_CODES.has(code)) {
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code, requestId } };
  }
  logger.error({ err: original, path: formatted.path }, 'unexpected error');
  return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } };
}

/**
 * A request refused for what the client sent answers HTTP 400, also when a resolver refused
 * it (a forged cursor, a page size out of range): when nothing was answered and every
 * error is BAD_USER_INPUT. Partial answers keep 200, as GraphQL over HTTP asks.
 */
export const clientErrorStatusPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const { data, errors } = response.body.singleResult;
        const answered = data && Object.values(data).some((value) => value !== null);
        if (!answered && errors?.length && errors.every((e) => e.extensions?.code === 'BAD_USER_INPUT')) response.http.status = 400;
      },
    };
  },
};
