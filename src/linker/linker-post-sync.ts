/** Registers the internal-meeting filter (step 0) and the linker in the post-sync chain of conversation and CRM syncs. */
import { withWorkspace } from '../db/tenant-scope.ts';
import { registerPostSyncStep } from '../sync/post-sync-steps.ts';
import { runInternalMeetingFilter, runLinker } from './linker-run.ts';
import { withLinkerStatistics } from './linker-statistics.ts';

export const LINKED_CONNECTORS = ['gong', 'fireflies', 'hubspot', 'salesforce'];
const applies = (connector: string) => LINKED_CONNECTORS.includes(connector);

registerPostSyncStep({
  name: 'internal-meeting-filter',
  order: 100,
  appliesTo: applies,
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
  appliesTo: applies,
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
