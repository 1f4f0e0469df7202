/**
 * Tenant scope: a transaction that runs as the non-owner role `pandora_app` with `app.workspace_id` set,
 * so row-level security holds even for a query that forgets its workspace filter.
 */
import { isRetryablePgError } from '../errors.ts';
import type { Db, Queryable } from './db.ts';

export const APP_ROLE = 'pandora_app';

// Attempts of a transaction that PostgreSQL aborted to break a deadlock or a serialization conflict.
const CONFLICT_ATTEMPTS = 3;

export async function withWorkspace<T>(
  db: Db,
  workspaceId: string,
  fn: (tx: Queryable) => Promise<T>,
  opts: {
    background?: boolean;
    /**
     * Run the transaction again when PostgreSQL aborts it to break a deadlock (40P01) or a serialization
     * conflict (40001): nothing of it was kept, and the other transaction has gone on. Only for `fn` whose
     * effects are all in the database (or harmless to repeat), such as a chunk of a job. Writers of the
     * same workspace can meet in opposite orders: one holds rows and waits for the workspace's lock on the
     * conversations-without-deals counts, the other holds that lock and waits for the rows.
     */
    retryConflicts?: boolean;
  } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      // Transaction-local settings: the pooled connection carries nothing into the next request.
      return await db.transaction(fn, {
        localSettings: { role: APP_ROLE, 'app.workspace_id': workspaceId },
        background: opts.background,
      });
    } catch (err) {
      if (!opts.retryConflicts || attempt >= CONFLICT_ATTEMPTS || !isRetryablePgError(err)) throw err;
      // A short random pause, so the two do not meet again in step.
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80 * attempt));
    }
  }
}
