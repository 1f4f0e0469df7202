/** Compacts the pipeline rollups after a sync (order 450: after stage normalisation and computed fields). */
import { withWorkspace } from '../db/tenant-scope.ts';
import { registerPostSyncStep } from '../sync/post-sync-steps.ts';
import { compactPipelineRollups } from './pipeline-rollups.ts';

registerPostSyncStep({
  name: 'pipeline-rollups',
  order: 450,
  reactsTo: ['deals'],
  run: (ctx) => withWorkspace(ctx.db, ctx.workspaceId, (tx) => compactPipelineRollups(tx, ctx.workspaceId)),
});
