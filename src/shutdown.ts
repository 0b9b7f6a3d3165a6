import { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Strata } from './server';

export interface ShutdownOptions {
  /** How long /readyz answers 503 before the listener closes, so load balancers stop sending. */
  drainDelayMs: number;
  /** How long in-flight requests may take to finish before their connections are cut. */
  graceMs: number;
}

/**
 * Graceful shutdown: readiness 503 first; then the listener closes while requests in
 * flight finish (each answered with `Connection: close`, idle keep-alive connections
 * closed at once); connections still busy after the grace period are cut. Background work
 * and Apollo stop last. Returns whether every request finished in time.
 */
export async function drainAndStop(server: Server, strata: Strata, options: ShutdownOptions): Promise<{ completed: boolean }> {
  strata.readiness.draining = true;
  await sleep(options.drainDelayMs);
  let completed = true;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // A request that began before draining leaves its keep-alive connection idle when it
  // ends; closing idle connections as they appear keeps close() from waiting out the
  // keep-alive timeout (5 s) on each of them.
  const sweeper = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
  const deadline = setTimeout(() => {
    completed = false;
    server.closeAllConnections();
  }, options.graceMs);
  await closed;
  clearInterval(sweeper);
  clearTimeout(deadline);
  await strata.stop();
  return { completed };
}
