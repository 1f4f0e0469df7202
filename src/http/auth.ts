/**
 * Authentication: the admin token for cross-workspace operations; per-workspace API keys
 * (`Authorization: Bearer …`) under /api/workspaces/:workspaceId. A key that does not belong to the
 * workspace in the path gets 404, never 403, so keys cannot be used to probe which workspaces exist.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../db/db.ts';
import { AppError, AuthError, NotFoundError } from '../errors.ts';
import { type ApiKeyScope, verifyApiKey } from '../workspaces/api-keys.ts';
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
    if (!parsed.success) throw new NotFoundError('workspace');
    const workspaceId = parsed.data;
    let principal: Principal;
    if (adminToken.verify(token)) {
      principal = { kind: 'admin', scopes: ['read', 'write'] };
    } else {
      let verified = apiKeys.get(workspaceId, token);
      if (!verified) {
        const key = await verifyApiKey(db, workspaceId, token);
        if (!key) throw new NotFoundError('workspace');
        verified = { keyId: key.id, scopes: key.scopes };
        apiKeys.set(workspaceId, token, verified);
      }
      principal = { kind: 'api_key', keyId: verified.keyId, scopes: verified.scopes };
    }
    if (WRITE_METHODS.has(req.method) && !principal.scopes.includes('write')) {
      throw new AppError('forbidden', 'this API key is read-only');
    }
    res.locals.workspaceId = workspaceId;
    res.locals.principal = principal;
    next();
  };
}
