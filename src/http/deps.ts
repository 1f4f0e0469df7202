/** What route handlers receive: plain dependencies, no container. */
import type { Response } from 'express';
import type { Config } from '../config.ts';
import type { CredentialVault } from '../connectors/credential-vault.ts';
import type { Db, Queryable } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import type { AdminToken } from './admin-token.ts';
import type { ApiKeyCache } from './api-key-cache.ts';

export interface AppDeps {
  db: Db;
  config: Config;
  log: Logger;
  adminToken: AdminToken;
  vault: CredentialVault;
  /** Background jobs; absent in tools that only serve requests. */
  queue?: JobQueue;
  /** Verified API keys; createApp makes one when not given. */
  apiKeys?: ApiKeyCache;
}

/** The workspace of the current request (set by requireWorkspaceAccess). */
export function workspaceOf(res: Response): string {
  return res.locals.workspaceId as string;
}

/** Runs `fn` in the request's tenant scope: one transaction, row-level security in force. */
export function inRequestWorkspace<T>(
  deps: AppDeps,
  res: Response,
  fn: (tx: Queryable, workspaceId: string) => Promise<T>,
) {
  const workspaceId = workspaceOf(res);
  return withWorkspace(deps.db, workspaceId, (tx) => fn(tx, workspaceId));
}
