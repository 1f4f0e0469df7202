/** Calls (telephony logged in a CRM): list filters and sorts. */
import type { Queryable } from '../db/db.ts';
import { defineListing, getEntity, listEntity } from './entity-listing.ts';

export const callListing = defineListing('calls', {
  singular: 'call',
  equals: ['direction', 'disposition', 'owner_email', 'deal_id', 'account_id', 'contact_id'],
  ranges: { occurred: 'occurred_at', duration: 'duration_seconds' },
  presence: { deal: 'deal_id', account: 'account_id', contact: 'contact_id' },
  search: ['title'],
  sorts: ['occurred_at', 'duration_seconds'],
  defaultSort: '-occurred_at',
});

export const listCalls = (q: Queryable, workspaceId: string, query: Record<string, string | string[]>) =>
  listEntity(q, workspaceId, callListing, query);
export const getCall = (q: Queryable, workspaceId: string, id: string) =>
  getEntity(q, workspaceId, callListing, id);
