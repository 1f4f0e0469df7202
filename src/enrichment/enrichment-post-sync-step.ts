/**
 * Enriches the deals a write moved to closed won or lost (a sync, an import, the generated world) in the
 * last AUTO_ENRICH_CLOSED_WITHIN_DAYS days, once per close: a deal already enriched for the outcome it closed with is left alone. With a queue the run
 * goes to a worker, so Apollo's and Serper's rate limits never hold the chain; without one it runs here.
 * It comes after the insights step (350), whose stakeholders the role resolution reads.
 */
import { withWorkspace } from '../db/tenant-scope.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { registerPostSyncStep } from '../sync/post-sync-steps.ts';
import {
  createEnrichmentRun,
  executeEnrichmentRun,
  pendingDealIds,
  startEnrichmentRun,
} from './enrichment-runs.ts';
import type { EnrichmentDeps } from './enrichment-steps.ts';

export const ENRICHMENT_STEP = 'deal-enrichment';

// Automatic runs cover deals that closed lately: a first sync of years of history must not spend the
// Apollo and Serper credits of every old deal. History is enriched on request (`POST …/enrichment/batch`).
export const AUTO_ENRICH_CLOSED_WITHIN_DAYS = 90;

export function registerEnrichmentPostSyncStep(
  deps: Omit<EnrichmentDeps, 'db' | 'log'> & { queue?: JobQueue },
): void {
  registerPostSyncStep({
    name: ENRICHMENT_STEP,
    order: 500,
    reactsTo: ['deals'],
    async run(ctx) {
      const runDeps = { ...deps, db: ctx.db, log: ctx.log };
      const dealIds = await withWorkspace(ctx.db, ctx.workspaceId, (tx) =>
        pendingDealIds(tx, ctx.workspaceId, undefined, { closedWithinDays: AUTO_ENRICH_CLOSED_WITHIN_DAYS }),
      );
      if (dealIds.length === 0) return { deals: 0 };
      const scope = { kind: 'deals' as const, deal_ids: dealIds };
      if (deps.queue) {
        const queued = await startEnrichmentRun(runDeps, ctx.workspaceId, scope, 'post_sync');
        return { deals: dealIds.length, run_id: queued.id, status: queued.status };
      }
      const queued = await createEnrichmentRun(runDeps, ctx.workspaceId, scope, 'post_sync');
      const run = await executeEnrichmentRun(runDeps, ctx.workspaceId, queued.id);
      return { deals: dealIds.length, run_id: run.id, status: run.status };
    },
  });
}
