/**
 * Tenant scope: a transaction that runs as the non-owner role `pandora_app` with `app.workspace_id` set,
 * so row-level security holds even for a query that forgets its workspace filter.
 */
import type { Db, Queryable } from './db.ts';

export const APP_ROLE = 'pandora_app';

export function withWorkspace<T>(db: Db, workspaceId: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    // set_config(…, true) is transaction-local: the pooled connection carries nothing into the next request.
    await tx.query("SELECT set_config('role', $1, true), set_config('app.workspace_id', $2, true)", [
      APP_ROLE,
      workspaceId,
    ]);
    return fn(tx);
  });
}
