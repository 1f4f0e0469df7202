/** Leads: list filters (status, converted or not), sorts and search on name, email and company. */
import type { Queryable } from '../db/db.ts';
import { defineListing, getEntity, listEntity } from './entity-listing.ts';

export const leadListing = defineListing('leads', {
  singular: 'lead',
  // Score and grade against the current ICP profile (src/icp): null before the first icp-discovery run.
  extraColumns: { icp_score: 'integer', icp_grade: 'text' },
  scores: ['icp_score'],
  equals: [
    'status',
    'lead_source',
    'owner_email',
    'email',
    'converted_deal_id',
    'converted_account_id',
    'icp_grade',
  ],
  booleans: ['is_converted'],
  ranges: { converted: 'converted_at' },
  search: ['first_name', 'last_name', 'email', 'company'],
  sorts: ['last_name', 'company', 'converted_at'],
});

export const listLeads = (q: Queryable, workspaceId: string, query: Record<string, string | string[]>) =>
  listEntity(q, workspaceId, leadListing, query);
export const getLead = (q: Queryable, workspaceId: string, id: string) =>
  getEntity(q, workspaceId, leadListing, id);
