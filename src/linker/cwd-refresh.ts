/**
 * The linker rewrites a chunk's calls several times in one transaction (each tier's UPDATE, then their
 * stored facts), and each statement's trigger would bring the conversations-without-deals counts up to
 * date for the calls it changed (migration 190): the same calls refreshed four or five times. Here the
 * triggers on conversations and their facts are told to wait, and the chunk's calls are refreshed once,
 * when its writes are done. Only for a chunk, which names every call it may change: a pass over the whole
 * workspace (no ids) leaves the refresh to the triggers, which know the few calls a rerun changes, where a
 * refresh of every call cost a server 5 s on a no-op pass over 100k calls.
 */
import type { Queryable } from '../db/db.ts';

export async function withDeferredCwdRefresh<T>(
  q: Queryable,
  workspaceId: string,
  // The calls the work may change; null: the whole workspace, not deferred.
  ids: readonly string[] | null,
  work: () => Promise<T>,
  // Whether the work changed any call or stored facts: a chunk a rerun leaves alone refreshes nothing
  // (refreshing 500 unchanged calls still costs a server about 0.3 s, 200 chunks a pass).
  changedAny: (out: T) => boolean,
): Promise<T> {
  if (ids === null) return work();
  await q.query(`SELECT set_config('pandora.cwd_refresh_deferred', 'on', true)`);
  const out = await work();
  const refresh = changedAny(out);
  await q.query(
    /* sql */ `SELECT set_config('pandora.cwd_refresh_deferred', 'off', true),
                      CASE WHEN $3::boolean THEN cwd_refresh_calls(ARRAY[$1::uuid], $2::uuid[]) END`,
    [workspaceId, ids as string[], refresh],
  );
  return out;
}
