import pino from 'pino';
import { currentRequestId } from './request-id';

/**
 * Structured JSON logs, each line with the request id it was written for;
 * LOG_LEVEL=silent in tests keeps their output readable.
 */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  mixin() {
    const requestId = currentRequestId();
    return requestId ? { requestId } : {};
  },
});
export type Logger = typeof logger;
