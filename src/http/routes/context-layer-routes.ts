/** The context layer, whole or one section at a time. */
import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../../errors.ts';
import {
  CONTEXT_SECTIONS,
  type ContextSection,
  contextLayerSchema,
  contextSectionSchemas,
  getContextLayer,
  putContextSections,
} from '../../workspaces/context-layer.ts';
import { type AppDeps, inRequestWorkspace } from '../deps.ts';
import { parseInput } from '../request-validation.ts';

function sectionParam(value: unknown): ContextSection {
  const parsed = z.enum(CONTEXT_SECTIONS as [ContextSection, ...ContextSection[]]).safeParse(value);
  if (!parsed.success) throw new NotFoundError(`context section "${String(value)}"`);
  return parsed.data;
}

export function contextLayerRoutes(deps: AppDeps): Router {
  const r = Router();
  r.get('/context', async (_req, res) => {
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => getContextLayer(tx, ws)));
  });
  r.put('/context', async (req, res) => {
    const body = parseInput(contextLayerSchema, req.body, 'body');
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => putContextSections(tx, ws, body)));
  });
  r.get('/context/:section', async (req, res) => {
    const section = sectionParam(req.params.section);
    const layer = await inRequestWorkspace(deps, res, (tx, ws) => getContextLayer(tx, ws));
    res.json(layer[section]);
  });
  r.put('/context/:section', async (req, res) => {
    const section = sectionParam(req.params.section);
    const body = parseInput(contextSectionSchemas[section], req.body, 'body');
    const layer = await inRequestWorkspace(deps, res, (tx, ws) =>
      putContextSections(tx, ws, { [section]: body }),
    );
    res.json(layer[section]);
  });
  return r;
}
