/** Deals: list filters, sorts and search; the detail view lives in deal-detail.ts. */
import type { Queryable } from '../db/db.ts';
import { defineListing, listEntity } from './entity-listing.ts';

export const dealListing = defineListing('deals', {
  singular: 'deal',
  // The amount in the workspace's base currency, converted as the deal was written (src/money).
  // Scores are written by src/compute: null on closed deals (risk, velocity) and before the first run.
  extraColumns: {
    amount_base: 'numeric',
    deal_risk: 'integer',
    velocity_score: 'numeric',
    engagement_score: 'numeric',
    computed_at: 'timestamptz',
  },
  scores: ['deal_risk', 'velocity_score', 'engagement_score'],
  equals: [
    'stage',
    'stage_normalized',
    'owner_email',
    'forecast_category',
    'pipeline',
    'account_id',
    'currency',
    'deal_type',
    'lead_source',
  ],
  booleans: ['is_closed', 'is_won'],
  ranges: { amount: 'amount', close_date: 'close_date', probability: 'probability' },
  scaledKeys: {
    amount: { column: 'amount_hundredths', scale: 2 },
    velocity_score: { column: 'velocity_score_tenths', scale: 1 },
    engagement_score: { column: 'engagement_score_tenths', scale: 1 },
  },
  presence: { account: 'account_id' },
  search: ['name'],
  sorts: ['amount', 'close_date', 'name', 'probability', 'stage_entered_at'],
});

export const listDeals = (q: Queryable, workspaceId: string, query: Record<string, string | string[]>) =>
  listEntity(q, workspaceId, dealListing, query);
