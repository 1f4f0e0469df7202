/** Accounts: list filters, sorts and search. */
import type { Queryable } from '../db/db.ts';
import { defineListing, getEntity, listEntity } from './entity-listing.ts';

export const accountListing = defineListing('accounts', {
  singular: 'account',
  // Written by src/compute after the deal scores; the reasons name the rows behind each score.
  // icp_score / icp_grade: against the current ICP profile (src/icp), null before the first icp-discovery run.
  extraColumns: {
    engagement_score: 'numeric',
    health_score: 'numeric',
    computed_at: 'timestamptz',
    icp_score: 'integer',
    icp_grade: 'text',
  },
  scores: ['health_score', 'engagement_score', 'icp_score'],
  scaledKeys: {
    health_score: { column: 'health_score_tenths', scale: 1 },
    engagement_score: { column: 'engagement_score_tenths', scale: 1 },
  },
  detailColumns: { health_reasons: 'jsonb', engagement_reasons: 'jsonb' },
  equals: ['owner_email', 'industry', 'country', 'city', 'domain', 'icp_grade'],
  ranges: { employee_count: 'employee_count', annual_revenue: 'annual_revenue' },
  search: ['name', 'domain'],
  sorts: ['name', 'employee_count', 'annual_revenue'],
});

export const listAccounts = (q: Queryable, workspaceId: string, query: Record<string, string | string[]>) =>
  listEntity(q, workspaceId, accountListing, query);
export const getAccount = (q: Queryable, workspaceId: string, id: string) =>
  getEntity(q, workspaceId, accountListing, id);
