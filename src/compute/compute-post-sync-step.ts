/** Registers the computed fields as a post-sync step (order 400: after linking and stage normalisation). */
import { registerPostSyncStep } from '../sync/post-sync-steps.ts';
import { runComputedFields } from './compute-engine.ts';

registerPostSyncStep({
  name: 'computed-fields',
  order: 400,
  // Scores read deals and their history, contacts, accounts and the activity on them.
  reactsTo: ['deals', 'accounts', 'contacts', 'activities', 'calls', 'conversations'],
  async run(ctx) {
    const r = await runComputedFields(ctx.db, ctx.workspaceId);
    return { deals_updated: r.deals_updated, accounts_updated: r.accounts_updated };
  },
});
