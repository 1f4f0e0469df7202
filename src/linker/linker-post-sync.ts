/**
 * Registers the internal-meeting filter (step 0) and the linker in the post-sync chain: they run when
 * conversations or what they are linked to (contacts, accounts, deals) changed, from any source.
 */
import { registerPostSyncStep } from '../sync/post-sync-steps.ts';
import { runInternalMeetingFilterInChunks, runLinkerInChunks } from './linker-run.ts';
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
    const r = await runInternalMeetingFilterInChunks(ctx.db, ctx.workspaceId);
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
      () => runLinkerInChunks(ctx.db, ctx.workspaceId),
      (run) => run,
      ctx.log,
    );
    return { ...r.tiers, links_changed: r.links_changed, unlinked: r.coverage.unlinked };
  },
});
