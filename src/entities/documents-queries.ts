/** Documents (Drive files): list filters and sorts. */
import type { Queryable } from '../db/db.ts';
import { defineListing, getEntity, listEntity } from './entity-listing.ts';

export const documentListing = defineListing('documents', {
  singular: 'document',
  extraColumns: { content_status: 'text' },
  equals: ['mime_type', 'owner_email', 'deal_id', 'account_id', 'content_status'],
  ranges: { modified: 'modified_at' },
  presence: { deal: 'deal_id', account: 'account_id' },
  search: ['name'],
  sorts: ['modified_at', 'name'],
});

export const listDocuments = (q: Queryable, workspaceId: string, query: Record<string, string | string[]>) =>
  listEntity(q, workspaceId, documentListing, query);
export const getDocument = (q: Queryable, workspaceId: string, id: string) =>
  getEntity(q, workspaceId, documentListing, id);
