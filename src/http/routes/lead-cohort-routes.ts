/** GET /leads/cohorts: converted vs unconverted leads by source, month and owner. */
import { Router } from 'express';
import { z } from 'zod';
import { leadCohorts } from '../../compute/lead-cohorts.ts';
import { type AppDeps, inRequestWorkspace } from '../deps.ts';
import { isoDate, parseInput } from '../request-validation.ts';

const cohortQuery = z
  .object({ source: z.string().min(1).max(100).optional(), from: isoDate.optional(), to: isoDate.optional() })
  .strict();

export function leadCohortRoutes(deps: AppDeps): Router {
  const r = Router();
  r.get('/leads/cohorts', async (req, res) => {
    const query = parseInput(cohortQuery, req.query, 'query');
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => leadCohorts(tx, ws, query)));
  });
  return r;
}
