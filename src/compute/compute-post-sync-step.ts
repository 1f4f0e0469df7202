/** Registers the computed fields as a post-sync step (order 400: after linking and stage normalisation). */
import { registerPostSyncStep } from '../sync/post-sync-steps.ts';
import { runComputedFields } from './compute-engine.ts';

registerPostSyncStep({
  name: 'computed-fields',
  order: 400,
  async run(ctx) {
    const r = await runComputedFields(ctx.db, ctx.workspaceId);
    return { deals_updated: r.deals_updated, accounts_updated: r.accounts_updated };
  },
});
