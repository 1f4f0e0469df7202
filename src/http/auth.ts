/**
 * Authentication: the admin token for cross-workspace operations; per-workspace API keys
 * (`Authorization: Bearer …`) under /api/workspaces/:workspaceId. A token that is no live key gets 401
 * `invalid_api_key` (malformed, unknown or revoked: the caller's key is wrong). A live key used on
 * another workspace gets 404, never 403, so keys cannot be used to probe which workspaces exist.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../db/db.ts';
import { AppError, AuthError, InvalidApiKeyError, NotFoundError } from '../errors.ts';
import { type ApiKeyScope, checkApiKey } from '../workspaces/api-keys.ts';
import type { AdminToken } from './admin-token.ts';
import type { ApiKeyCache } from './api-key-cache.ts';
import { uuidParam } from './request-validation.ts';

export interface Principal {
  kind: 'admin' | 'api_key';
  keyId?: string;
  scopes: readonly ApiKeyScope[];
}

function bearerToken(req: Request): string {
  const header = req.get('authorization');
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!match) throw new AuthError('send an Authorization: Bearer <token> header');
  return match[1]!;
}

export function requireAdmin(adminToken: AdminToken) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!adminToken.verify(bearerToken(req))) throw new AuthError('this operation needs the admin token');
    res.locals.principal = { kind: 'admin', scopes: ['read', 'write'] } satisfies Principal;
    next();
  };
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Mounted on /api/workspaces/:workspaceId; sets res.locals.workspaceId and res.locals.principal. */
export function requireWorkspaceAccess(db: Db, adminToken: AdminToken, apiKeys: ApiKeyCache) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = bearerToken(req);
    const parsed = uuidParam.safeParse(req.params.workspaceId);
    const workspaceId = parsed.success ? parsed.data : undefined;
    let principal: Principal;
    if (adminToken.verify(token)) {
      if (!workspaceId) throw new NotFoundError('workspace');
      principal = { kind: 'admin', scopes: ['read', 'write'] };
    } else {
      let verified = apiKeys.get(token);
      if (!verified) {
        const check = await checkApiKey(db, token, workspaceId);
        if (check.status === 'revoked') throw new InvalidApiKeyError('this API key was revoked');
        if (check.status === 'unknown')
          throw new InvalidApiKeyError('the API key matches no live key (malformed, unknown or revoked)');
        verified = { workspaceId: check.key.workspace_id, keyId: check.key.id, scopes: check.key.scopes };
        apiKeys.set(token, verified);
      }
      if (verified.workspaceId !== workspaceId) throw new NotFoundError('workspace');
      principal = { kind: 'api_key', keyId: verified.keyId, scopes: verified.scopes };
    }
    if (WRITE_METHODS.has(req.method) && !principal.scopes.includes('write')) {
      throw new AppError('forbidden', 'this API key is read-only');
    }
    res.locals.workspaceId = workspaceId!;
    res.locals.principal = principal;
    next();
  };
}
