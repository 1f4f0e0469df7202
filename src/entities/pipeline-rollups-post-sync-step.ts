/** Compacts the pipeline rollups after a sync (order 450: after stage normalisation and computed fields). */
import { registerPostSyncStep } from '../sync/post-sync-steps.ts';
import { runRollupCompaction } from './pipeline-rollups.ts';

registerPostSyncStep({
  name: 'pipeline-rollups',
  order: 450,
  reactsTo: ['deals'],
  run: (ctx) => runRollupCompaction(ctx.db, ctx.workspaceId, ctx.log),
});
