/** Workspaces CRUD: create and list need the admin token; read and update accept a workspace key. */
import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import {
  createWorkspace,
  deleteWorkspace,
  getWorkspace,
  listWorkspaces,
  updateWorkspace,
} from '../../workspaces/workspaces.ts';
import { requireAdmin } from '../auth.ts';
import { type AppDeps, inRequestWorkspace, workspaceOf } from '../deps.ts';
import { parseInput } from '../request-validation.ts';

const createBody = z
  .object({ name: z.string().trim().min(1).max(200), settings: z.record(z.string(), z.unknown()).optional() })
  .strict();
const updateBody = createBody.partial().strict();

/** Mounted at /api/workspaces (admin-only operations). */
export function adminWorkspacesRoutes(deps: AppDeps): Router {
  const r = Router();
  // Per route, not r.use(): this router is mounted on /api/workspaces, a prefix of every workspace route.
  const admin = requireAdmin(deps.adminToken);
  r.post('/', admin, async (req, res) => {
    const body = parseInput(createBody, req.body, 'body');
    const ws = await deps.db.transaction((tx) => createWorkspace(tx, body));
    res.status(201).json(ws);
  });
  r.get('/', admin, async (_req, res) => {
    res.json({ data: await listWorkspaces(deps.db) });
  });
  return r;
}

/** Mounted under /api/workspaces/:workspaceId. */
export function workspaceRoutes(deps: AppDeps): Router {
  const r = Router();
  r.get('/', async (_req, res) => {
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => getWorkspace(tx, ws)));
  });
  r.patch('/', async (req, res) => {
    const body = parseInput(updateBody, req.body, 'body');
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => updateWorkspace(tx, ws, body)));
  });
  r.delete('/', async (_req, res) => {
    if (res.locals.principal.kind !== 'admin')
      throw new AppError('forbidden', 'deleting a workspace needs the admin token');
    await deleteWorkspace(deps.db, workspaceOf(res));
    deps.apiKeys?.forget(workspaceOf(res));
    res.status(204).end();
  });
  return r;
}
