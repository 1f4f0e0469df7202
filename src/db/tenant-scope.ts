/**
 * Tenant scope: a transaction that runs as the non-owner role `pandora_app` with `app.workspace_id` set,
 * so row-level security holds even for a query that forgets its workspace filter.
 */
import type { Db, Queryable } from './db.ts';

export const APP_ROLE = 'pandora_app';

export function withWorkspace<T>(
  db: Db,
  workspaceId: string,
  fn: (tx: Queryable) => Promise<T>,
  opts: { background?: boolean } = {},
): Promise<T> {
  // Transaction-local settings: the pooled connection carries nothing into the next request.
  return db.transaction(fn, {
    localSettings: { role: APP_ROLE, 'app.workspace_id': workspaceId },
    background: opts.background,
  });
}
