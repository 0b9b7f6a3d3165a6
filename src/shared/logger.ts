import pino from 'pino';

/** Structured JSON logs; LOG_LEVEL=silent in tests keeps their output readable. */
export const logger = pino({ level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info') });
export type Logger = typeof logger;
