/** Activities (emails, meetings, notes logged in a CRM): list filters and sorts. */
import type { Queryable } from '../db/db.ts';
import { defineListing, getEntity, listEntity } from './entity-listing.ts';

export const activityListing = defineListing('activities', {
  singular: 'activity',
  equals: ['activity_type', 'direction', 'owner_email', 'deal_id', 'account_id', 'contact_id'],
  ranges: { occurred: 'occurred_at' },
  presence: { deal: 'deal_id', account: 'account_id', contact: 'contact_id' },
  search: ['subject'],
  sorts: ['occurred_at'],
  defaultSort: '-occurred_at',
});

export const listActivities = (q: Queryable, workspaceId: string, query: Record<string, string | string[]>) =>
  listEntity(q, workspaceId, activityListing, query);
export const getActivity = (q: Queryable, workspaceId: string, id: string) =>
  getEntity(q, workspaceId, activityListing, id);
