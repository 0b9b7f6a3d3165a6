import pino from 'pino';
import { currentRequestIds } from './request-id';

/**
 * An error as logged: a failed statement keeps its shape (the SQL text, with placeholders)
 * and PostgreSQL's code, table and constraint, never its parameter values or the server's
 * `detail`, which carry customers' facts.
 */
export function loggableError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const { query, code, table, constraint, column, routine } = err as Error & Record<string, unknown>;
  const serialized = pino.stdSerializers.err(err);
  const kept = Object.fromEntries(Object.entries({ query, code, table, constraint, column, routine }).filter(([, v]) => v !== undefined));
  return { type: serialized.type, message: serialized.message, stack: serialized.stack, ...kept };
}

/**
 * Structured JSON logs, each line with the request's ids (the correlation id and the
 * server's own); LOG_LEVEL=silent in tests keeps their output readable.
 */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  serializers: { err: loggableError },
  mixin() {
    return currentRequestIds() ?? {};
  },
});
export type Logger = typeof logger;
