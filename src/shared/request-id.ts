import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The id of the HTTP request being served, wherever its work has got to: set once per
 * request (server.ts), read by the logger and by error formatting, so every log line and
 * every error a client sees can be matched up.
 */
const store = new AsyncLocalStorage<string>();

export function withRequestId<T>(requestId: string, work: () => T): T {
  return store.run(requestId, work);
}

export function currentRequestId(): string | undefined {
  return store.getStore();
}
