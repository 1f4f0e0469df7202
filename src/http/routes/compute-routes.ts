/** On-demand computed fields: POST /compute/run recomputes every score of the workspace. */
import { Router } from 'express';
import { z } from 'zod';
import { runComputedFields } from '../../compute/compute-engine.ts';
import { ok } from '../openapi/schema-builders.ts';
import { computeRunSchema } from '../openapi/schemas/skill-schemas.ts';
import type { RouteDoc } from '../openapi/openapi-document.ts';
import { fromZod, routeDoc, WS } from '../openapi/route-doc-builders.ts';
import { type AppDeps, workspaceOf } from '../deps.ts';
import { isoDate, parseInput } from '../request-validation.ts';

const runBody = z.object({ as_of: isoDate.optional() }).strict();

export function computeRoutes(deps: AppDeps): Router {
  const r = Router();
  r.post('/compute/run', async (req, res) => {
    const body = parseInput(runBody, req.body, 'body');
    res.json(await runComputedFields(deps.db, workspaceOf(res), { asOf: body.as_of }));
  });
  return r;
}

export function computeRouteDocs(): RouteDoc[] {
  return [
    routeDoc(
      'post',
      `${WS}/compute/run`,
      'compute',
      'Recompute velocity, risk, engagement and health scores now',
      {
        requestBody: fromZod(runBody),
        response: ok(computeRunSchema),
      },
    ),
  ];
}
