/** Pipeline aggregates: `GET /pipeline/summary?group_by=…` with the deal list filters; movement over a period. */
import { Router } from 'express';
import { pipelineSummary } from '../../entities/pipeline-summary.ts';
import { pipelineWaterfall } from '../../entities/pipeline-waterfall.ts';
import { z } from 'zod';
import { isoDate } from '../request-validation.ts';
import { type AppDeps, inRequestWorkspace } from '../deps.ts';
import { parseInput } from '../request-validation.ts';
import { queryStringSchema } from './entity-routes.ts';

export function pipelineRoutes(deps: AppDeps): Router {
  const r = Router();
  r.get('/pipeline/summary', async (req, res) => {
    const query = parseInput(queryStringSchema, req.query, 'query');
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => pipelineSummary(tx, ws, query)));
  });
  r.get('/pipeline/waterfall', async (req, res) => {
    const period = parseInput(waterfallQuery, req.query, 'query');
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => pipelineWaterfall(tx, ws, period)));
  });
  return r;
}

export const waterfallQuery = z.object({ from: isoDate, to: isoDate }).strict();
