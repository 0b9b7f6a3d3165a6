import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * The id of the HTTP request being served, wherever its work has got to: set once per
 * request (server.ts), read by the logger and by error formatting, so every log line and
 * every error a client sees can be matched up. A client may send its own correlation id in
 * `x-request-id`; the server's own id is always kept beside it, so a client cannot make two
 * requests' log lines look like one.
 */
interface RequestIds {
  requestId: string;
  serverRequestId: string;
}
const store = new AsyncLocalStorage<RequestIds>();

/** Correlation ids a client may choose: short, printable, no spaces or quotes. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;

/** The request's ids: a well-formed client id is kept as the correlation id, anything else replaced. */
export function requestIds(clientId: string | undefined): RequestIds {
  const serverRequestId = randomUUID();
  return { requestId: clientId && CLIENT_REQUEST_ID.test(clientId) ? clientId : serverRequestId, serverRequestId };
}

export function withRequestId<T>(ids: RequestIds, work: () => T): T {
  return store.run(ids, work);
}

export function currentRequestId(): string | undefined {
  return store.getStore()?.requestId;
}

/** Both ids for log lines. */
export function currentRequestIds(): RequestIds | undefined {
  return store.getStore();
}
