/**
 * The post-sync chain: steps that run after a sync commits (stage normalisation today; the linker,
 * computed fields, insights and enrichment triggers register here from their own modules). Steps are
 * idempotent, run in `order`, and each one's outcome is recorded on sync_log.progress.post_sync.
 */
import { applyStageOverrides } from '../compute/stage-mappings.ts';
import type { Db } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import type { Logger } from '../logger.ts';

export interface PostSyncContext {
  db: Db;
  log: Logger;
  workspaceId: string;
  connectorName: string;
  syncLogId: string;
}

export interface PostSyncStep {
  /** Unique; shown in sync_log.progress.post_sync. */
  name: string;
  /** Lower runs first: 100 internal-meeting filter, 200 linker, 300 stage normalisation, 400 computed fields, 500 insights, 600 enrichment. */
  order: number;
  /** Limit the step to some connectors (e.g. the linker only after conversation sources). */
  appliesTo?(connectorName: string): boolean;
  /** Returns a small summary for the log, e.g. { deals_updated: 3 }. */
  run(ctx: PostSyncContext): Promise<Record<string, unknown> | undefined>;
}

const steps = new Map<string, PostSyncStep>();

export function registerPostSyncStep(step: PostSyncStep): void {
  steps.set(step.name, step);
}

export function unregisterPostSyncStep(name: string): void {
  steps.delete(name);
}

export function postSyncSteps(connectorName?: string): PostSyncStep[] {
  return [...steps.values()]
    .filter((s) => !connectorName || !s.appliesTo || s.appliesTo(connectorName))
    .sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}

export interface PostSyncResult {
  name: string;
  status: 'succeeded' | 'failed';
  summary?: Record<string, unknown>;
  error?: string;
}

/** Runs every applicable step; a failing step is recorded and the chain goes on (steps are independent). */
export async function runPostSyncChain(ctx: PostSyncContext): Promise<PostSyncResult[]> {
  const results: PostSyncResult[] = [];
  for (const step of postSyncSteps(ctx.connectorName)) {
    try {
      const summary = await step.run(ctx);
      results.push({ name: step.name, status: 'succeeded', ...(summary ? { summary } : {}) });
    } catch (err) {
      ctx.log.error({ err, step: step.name, workspaceId: ctx.workspaceId }, 'post-sync step failed');
      results.push({
        name: step.name,
        status: 'failed',
        error: err instanceof Error ? err.message : String(err),
      });
    }
    await withWorkspace(ctx.db, ctx.workspaceId, (tx) =>
      tx.query(
        /* sql */ `UPDATE sync_log SET progress = jsonb_set(progress, '{post_sync}', $3::jsonb)
                   WHERE workspace_id = $1::uuid AND id = $2::uuid`,
        [ctx.workspaceId, ctx.syncLogId, JSON.stringify(results)],
      ),
    );
  }
  return results;
}

registerPostSyncStep({
  name: 'stage-normalisation',
  order: 300,
  async run(ctx) {
    const updated = await withWorkspace(ctx.db, ctx.workspaceId, (tx) =>
      applyStageOverrides(tx, ctx.workspaceId),
    );
    return { deals_updated: updated };
  },
});
