/** Liveness with a database round trip: load balancers take an instance out when its database is gone. */
import { Router } from 'express';
import type { AppDeps } from '../deps.ts';

// The embedded database runs one statement at a time in this process. While a long job's transaction
// holds it, the round trip would wait for the whole job; past this long the answer says "busy" instead.
const EMBEDDED_BUSY_AFTER_MS = 200;

export function healthRoutes(deps: AppDeps): Router {
  const r = Router();
  r.get('/healthz', async (_req, res) => {
    const roundTrip = deps.db.query('SELECT 1').then(() => 'ok' as const);
    // Nobody awaits it after a busy answer; this keeps a late failure from being an unhandled rejection.
    roundTrip.catch(() => undefined);
    try {
      const answer =
        deps.db.kind === 'pglite'
          ? await Promise.race([
              roundTrip,
              new Promise<'busy'>((resolve) => setTimeout(resolve, EMBEDDED_BUSY_AFTER_MS, 'busy').unref()),
            ])
          : await roundTrip;
      res.json({ status: 'ok', db: deps.db.kind, ...(answer === 'busy' ? { database: 'busy' } : {}) });
    } catch (err) {
      deps.log.warn({ err }, 'health check failed');
      res.status(503).json({ status: 'unavailable', db: deps.db.kind });
    }
  });
  return r;
}
