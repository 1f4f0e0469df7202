/**
 * An applied import is followed by the post-sync chain, like a sync: recorded as a `csv_import` sync run
 * with what it changed (the batch's entity, and the entities its inferred links touched), so the linker,
 * computed fields and rollups run when their inputs moved; the batch's result names that run
 * (`sync_log_id`). The chain is upkeep after a committed import: a failure there is logged on the run and
 * never turns the batch into a failed one.
 */
import type { Db, Queryable } from '../../db/db.ts';
import type { Logger } from '../../logger.ts';
import { recordWrite, runPostSyncChain } from '../../sync/post-sync-chain.ts';
import type { ChangeKind } from '../../sync/post-sync-steps.ts';
import type { RelinkCounts } from './association-inference.ts';
import { IMPORT_SOURCE } from './row-normaliser.ts';

export interface AppliedImport {
  entity: string;
  connectionId: string;
  counts: { inserted: number; updated: number; unchanged: number; deleted: number };
  relink: Partial<RelinkCounts>;
}

/** Inside the apply's transaction: the run that records what the import changed. Returns its id. */
export function recordImportRun(q: Queryable, workspaceId: string, applied: AppliedImport): Promise<string> {
  const { inserted, updated, unchanged, deleted } = applied.counts;
  const { relink } = applied;
  const alsoChanged: ChangeKind[] = [];
  if ((relink.deals_linked_to_accounts ?? 0) > 0) alsoChanged.push('deals');
  if ((relink.contacts_linked_to_accounts ?? 0) > 0) alsoChanged.push('contacts');
  if ((relink.contact_deal_links_explicit ?? 0) + (relink.contact_deal_links_inferred ?? 0) > 0)
    alsoChanged.push('deals');
  // Activities newly on a deal move its engagement score.
  if ((relink.activities_linked ?? 0) > 0) alsoChanged.push('activities');
  return recordWrite(q, workspaceId, {
    connectorName: IMPORT_SOURCE,
    connectionId: applied.connectionId,
    trigger: 'manual',
    counts: { [applied.entity]: { inserted, updated, unchanged, deleted } },
    alsoChanged,
  });
}

/** After the apply committed: the chain of that run. */
export async function runImportChain(
  deps: { db: Db; log: Logger },
  workspaceId: string,
  syncLogId: string,
): Promise<void> {
  try {
    await runPostSyncChain({ ...deps, workspaceId, syncLogId });
  } catch (err) {
    deps.log.warn(
      { err, workspaceId, syncLogId },
      'post-sync chain after import failed; the next sync runs it',
    );
  }
}
