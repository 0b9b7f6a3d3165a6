import { Router } from 'express';
import { DataSource } from 'typeorm';

/** /healthz: the process is alive. /readyz: the database answers and no migration is pending. */
export function healthRouter(dataSource: DataSource): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      const pending = await dataSource.showMigrations();
      if (pending) return res.status(503).json({ status: 'unavailable', reason: 'migrations pending' });
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'unavailable', reason: 'database unreachable' });
    }
  });
  return router;
}
