/**
 * Registers deal-insight extraction in the post-sync chain. It runs after the linker and stage
 * normalisation and before computed fields (350), so the deal_risk rules see this sync's insights; only
 * pending conversations (newly linked, re-linked, or with a new transcript) are extracted.
 */
import { registerPostSyncStep } from '../sync/post-sync-steps.ts';
import { createInsightRun, executeInsightRun, type RunDeps } from './insight-runs.ts';

export const INSIGHTS_STEP = 'deal-insights';

/** The step needs the model settings and connector credentials, so the process that has them registers it. */
export function registerInsightsPostSyncStep(deps: Omit<RunDeps, 'db' | 'log'>): void {
  registerPostSyncStep({
    name: INSIGHTS_STEP,
    order: 350,
    // Whatever the linker reacts to can link or re-link a call.
    reactsTo: ['conversations', 'contacts', 'accounts', 'deals'],
    async run(ctx) {
      const runDeps = { ...deps, db: ctx.db, log: ctx.log };
      const queued = await createInsightRun(ctx.db, ctx.workspaceId, { kind: 'pending' }, 'post_sync');
      const run = await executeInsightRun(runDeps, ctx.workspaceId, queued.id);
      const t = run.totals;
      return {
        run_id: run.id,
        status: run.status,
        extracted: t.extracted ?? 0,
        insights_written: t.insights_written ?? 0,
        input_tokens: t.input_tokens ?? 0,
      };
    },
  });
}
