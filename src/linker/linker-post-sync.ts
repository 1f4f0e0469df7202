/**
 * Registers the internal-meeting filter (step 0) and the linker in the post-sync chain: they run when
 * conversations or what they are linked to (contacts, accounts, deals) changed, from any source.
 */
import { withWorkspace } from '../db/tenant-scope.ts';
import { registerPostSyncStep } from '../sync/post-sync-steps.ts';
import { runInternalMeetingFilter, runLinker } from './linker-run.ts';
import { withLinkerStatistics } from './linker-statistics.ts';

import type { ChangeKind } from '../sync/post-sync-steps.ts';

// The filter reads participants against contacts and the internal domains.
const FILTER_INPUTS: readonly ChangeKind[] = ['conversations', 'contacts', 'accounts'];
const LINKER_INPUTS: readonly ChangeKind[] = ['conversations', 'contacts', 'accounts', 'deals'];

registerPostSyncStep({
  name: 'internal-meeting-filter',
  order: 100,
  reactsTo: FILTER_INPUTS,
  async run(ctx) {
    const r = await withWorkspace(ctx.db, ctx.workspaceId, (tx) =>
      runInternalMeetingFilter(tx, ctx.workspaceId),
    );
    return {
      decided_by: r.resolved.decided_by,
      classified_changed: r.classification.changed,
      internal: r.classification.internal,
      external: r.classification.external,
    };
  },
});

registerPostSyncStep({
  name: 'linker',
  order: 200,
  reactsTo: LINKER_INPUTS,
  async run(ctx) {
    // The linker re-runs step 0 itself: cheap when nothing changed, and it keeps the two consistent.
    const r = await withLinkerStatistics(
      ctx.db,
      () => withWorkspace(ctx.db, ctx.workspaceId, (tx) => runLinker(tx, ctx.workspaceId)),
      (run) => run,
      ctx.log,
    );
    return { ...r.tiers, links_changed: r.links_changed, unlinked: r.coverage.unlinked };
  },
});
