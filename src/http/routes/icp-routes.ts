/**
 * The ICP over HTTP: the current profile, every version, and lead scores (one entity's breakdown per
 * profile version, or the current version's top scores of a type). Profiles are written by the
 * icp-discovery skill (POST /skills/icp-discovery/run); lists sort and filter by icp_score.
 */
import { Router } from 'express';
import { z } from 'zod';
import { currentProfile, listProfiles } from '../../icp/icp-profile.ts';
import { GRADES, readLeadScores, SCORED_ENTITIES } from '../../icp/lead-scoring.ts';
import type { JsonSchema, RouteDoc } from '../openapi/openapi-document.ts';
import { fromZod, routeDoc, WS } from '../openapi/route-doc-builders.ts';
import { ok } from '../openapi/schema-builders.ts';
import {
  icpProfileSchema,
  icpProfileVersionsSchema,
  leadScoresSchema,
} from '../openapi/schemas/icp-schemas.ts';
import { type AppDeps, inRequestWorkspace } from '../deps.ts';
import { parseInput } from '../request-validation.ts';

const leadScoreQuery = z
  .object({
    entity_type: z.enum(SCORED_ENTITIES),
    /** One entity's scores under every profile version; without it, the current version's top scores. */
    entity_id: z.string().uuid().optional(),
    grade: z.enum(GRADES).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export function icpRoutes(deps: AppDeps): Router {
  const r = Router();
  r.get('/icp/profile', async (_req, res) => {
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => currentProfile(tx, ws)));
  });
  r.get('/icp/profiles', async (_req, res) => {
    res.json({ data: await inRequestWorkspace(deps, res, (tx, ws) => listProfiles(tx, ws)) });
  });
  r.get('/lead-scores', async (req, res) => {
    const query = parseInput(leadScoreQuery, req.query, 'query');
    res.json({ data: await inRequestWorkspace(deps, res, (tx, ws) => readLeadScores(tx, ws, query)) });
  });
  return r;
}

export function icpRouteDocs(): RouteDoc[] {
  const queryParams = Object.entries(fromZod(leadScoreQuery).properties as Record<string, JsonSchema>);
  const required = new Set((fromZod(leadScoreQuery).required as string[] | undefined) ?? []);
  return [
    routeDoc(
      'get',
      `${WS}/icp/profile`,
      'icp',
      'The current ICP profile: weighted features with lift, support and significance, personas, committee patterns, the deals it learned from',
      {
        response: ok(icpProfileSchema),
      },
    ),
    routeDoc('get', `${WS}/icp/profiles`, 'icp', 'Every ICP profile version, newest first', {
      response: ok(icpProfileVersionsSchema),
    }),
    routeDoc(
      'get',
      `${WS}/lead-scores`,
      'icp',
      "Lead scores: one entity's score, grade and breakdown per profile version (entity_id), or the current version's highest scores of a type",
      {
        parameters: queryParams.map(([name, schema]) => ({
          name,
          in: 'query' as const,
          schema,
          ...(required.has(name) ? { required: true } : {}),
        })),
        response: ok(leadScoresSchema),
      },
    ),
  ];
}
