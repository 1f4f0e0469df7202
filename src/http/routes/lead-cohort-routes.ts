/** GET /leads/cohorts: converted vs unconverted leads by source, month and owner. */
import { Router } from 'express';
import { z } from 'zod';
import { leadCohorts } from '../../compute/lead-cohorts.ts';
import { ok } from '../openapi/schema-builders.ts';
import { leadCohortsSchema } from '../openapi/schemas/money-schemas.ts';
import type { JsonSchema, RouteDoc } from '../openapi/openapi-document.ts';
import { fromZod, routeDoc, WS } from '../openapi/route-doc-builders.ts';
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

export function leadCohortRouteDocs(): RouteDoc[] {
  return [
    routeDoc(
      'get',
      `${WS}/leads/cohorts`,
      'leads',
      'Converted vs unconverted leads by source, month and owner',
      {
        parameters: Object.entries(fromZod(cohortQuery).properties as Record<string, JsonSchema>).map(
          ([n, schema]) => ({
            name: n,
            in: 'query' as const,
            schema,
          }),
        ),
        response: ok(leadCohortsSchema),
      },
    ),
  ];
}
