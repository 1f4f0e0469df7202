/** API keys of a workspace: create (plaintext shown once), list (prefixes only), revoke. */
import { Router } from 'express';
import { z } from 'zod';
import { API_KEY_SCOPES, createApiKey, listApiKeys, revokeApiKey } from '../../workspaces/api-keys.ts';
import { getWorkspace } from '../../workspaces/workspaces.ts';
import { type AppDeps, inRequestWorkspace, workspaceOf } from '../deps.ts';
import { parseInput, uuidParam } from '../request-validation.ts';

const createBody = z
  .object({
    name: z.string().trim().max(200).optional(),
    scopes: z.array(z.enum(API_KEY_SCOPES)).min(1).optional(),
  })
  .strict();

export function apiKeysRoutes(deps: AppDeps): Router {
  const r = Router();
  r.post('/api-keys', async (req, res) => {
    const body = parseInput(createBody, req.body, 'body');
    const created = await inRequestWorkspace(deps, res, async (tx, ws) => {
      await getWorkspace(tx, ws); // 404 for a workspace that does not exist (admin token)
      return createApiKey(tx, ws, body);
    });
    res.status(201).json({ ...created.apiKey, key: created.plaintext });
  });
  r.get('/api-keys', async (_req, res) => {
    res.json({ data: await inRequestWorkspace(deps, res, (tx, ws) => listApiKeys(tx, ws)) });
  });
  r.delete('/api-keys/:keyId', async (req, res) => {
    const keyId = parseInput(uuidParam, req.params.keyId, 'path');
    const revoked = await inRequestWorkspace(deps, res, (tx, ws) => revokeApiKey(tx, ws, keyId));
    deps.apiKeys?.forget(workspaceOf(res), keyId);
    res.json(revoked);
  });
  return r;
}
