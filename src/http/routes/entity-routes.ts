/** Read API over the entities: `GET /<entity>` (filtered keyset pages) and `GET /<entity>/:entityId`. */
import { Router } from 'express';
import { z } from 'zod';
import { getDealDetail } from '../../entities/deal-detail.ts';
import { getEntity, listEntity } from '../../entities/entity-listing.ts';
import { ENTITY_LISTINGS } from '../../entities/entity-listings.ts';
import { type AppDeps, inRequestWorkspace } from '../deps.ts';
import { parseInput } from '../request-validation.ts';

export const queryStringSchema = z.record(z.string(), z.union([z.string(), z.array(z.string())]));

export function entityRoutes(deps: AppDeps): Router {
  const r = Router();
  for (const [segment, listing] of Object.entries(ENTITY_LISTINGS)) {
    r.get(`/${segment}`, async (req, res) => {
      const query = parseInput(queryStringSchema, req.query, 'query');
      res.json(await inRequestWorkspace(deps, res, (tx, ws) => listEntity(tx, ws, listing, query)));
    });
    r.get(`/${segment}/:entityId`, async (req, res) => {
      const id = String(req.params.entityId);
      res.json(
        await inRequestWorkspace(deps, res, (tx, ws) =>
          segment === 'deals' ? getDealDetail(tx, ws, id) : getEntity(tx, ws, listing, id),
        ),
      );
    });
  }
  return r;
}
