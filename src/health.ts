import { Router } from 'express';
import { DataSource } from 'typeorm';

/** What /readyz needs to know beyond the database: whether the process is shutting down. */
export interface Readiness {
  draining: boolean;
}

/** A database that does not answer within this long counts as down. */
const READY_CHECK_TIMEOUT_MS = 1_000;

/**
 * /healthz: the process is alive (it stays 200 while the database is down, so an
 * orchestrator does not restart a process that would recover by itself).
 * /readyz: send traffic here — not shutting down, the database answers within a second and
 * no migration is pending.
 */
export function healthRouter(dataSource: DataSource, readiness: Readiness = { draining: false }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (readiness.draining) return res.status(503).json({ status: 'unavailable', reason: 'shutting down' });
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), READY_CHECK_TIMEOUT_MS);
      });
      const pending = await Promise.race([dataSource.showMigrations(), timeout]);
      if (pending) return res.status(503).json({ status: 'unavailable', reason: 'migrations pending' });
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'unavailable', reason: 'database unreachable' });
    } finally {
      clearTimeout(timer);
    }
  });
  return router;
}
