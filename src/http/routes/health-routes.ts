/** Liveness with a database round trip: load balancers take an instance out when its database is gone. */
import { Router } from 'express';
import type { AppDeps } from '../deps.ts';

export function healthRoutes(deps: AppDeps): Router {
  const r = Router();
  r.get('/healthz', async (_req, res) => {
    try {
      await deps.db.query('SELECT 1');
      res.json({ status: 'ok', db: deps.db.kind });
    } catch (err) {
      deps.log.warn({ err }, 'health check failed');
      res.status(503).json({ status: 'unavailable', db: deps.db.kind });
    }
  });
  return r;
}
