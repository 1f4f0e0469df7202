/** GET/PUT /stage-mappings: workspace overrides of stage normalisation. */
import { Router } from 'express';
import { z } from 'zod';
import { applyStageMappings, listObservedStages, listStageMappings } from '../../compute/stage-mappings.ts';
import { STAGE_NORMALIZED } from '../../compute/stage-normalisation.ts';
import { ok } from '../openapi/schema-builders.ts';
import { stageMappingsSchema, stageMappingsWriteSchema } from '../openapi/schemas/money-schemas.ts';
import type { RouteDoc } from '../openapi/openapi-document.ts';
import { fromZod, routeDoc, WS } from '../openapi/route-doc-builders.ts';
import { type AppDeps, inRequestWorkspace } from '../deps.ts';
import { parseInput } from '../request-validation.ts';

const putBody = z
  .object({
    mappings: z
      .array(
        z
          .object({
            source: z.string().trim().min(1).max(100),
            raw_stage: z.string().min(1).max(500),
            stage_normalized: z.enum(STAGE_NORMALIZED).nullable(),
          })
          .strict(),
      )
      .min(1)
      .max(1000),
  })
  .strict();

export function stageMappingRoutes(deps: AppDeps): Router {
  const r = Router();
  r.get('/stage-mappings', async (_req, res) => {
    res.json(
      await inRequestWorkspace(deps, res, async (tx, ws) => ({
        data: await listStageMappings(tx, ws),
        observed_stages: await listObservedStages(tx, ws),
      })),
    );
  });
  r.put('/stage-mappings', async (req, res) => {
    const body = parseInput(putBody, req.body, 'body');
    res.json(
      await inRequestWorkspace(deps, res, async (tx, ws) => {
        const dealsUpdated = await applyStageMappings(tx, ws, body.mappings);
        return { data: await listStageMappings(tx, ws), deals_updated: dealsUpdated };
      }),
    );
  });
  return r;
}

export function stageMappingRouteDocs(): RouteDoc[] {
  return [
    routeDoc(
      'get',
      `${WS}/stage-mappings`,
      'stages',
      'Workspace stage mappings (overrides of the built-in rules)',
      {
        response: ok(stageMappingsSchema),
      },
    ),
    routeDoc(
      'put',
      `${WS}/stage-mappings`,
      'stages',
      'Set stage mappings; affected deals are re-normalised',
      {
        requestBody: fromZod(putBody),
        response: ok(stageMappingsWriteSchema),
      },
    ),
  ];
}
