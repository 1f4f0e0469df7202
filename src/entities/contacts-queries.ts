/** Contacts: list filters (contacts of an account, seniority, …), sorts and search on name and email. */
import type { Queryable } from '../db/db.ts';
import { defineListing, getEntity, listEntity } from './entity-listing.ts';

export const contactListing = defineListing('contacts', {
  singular: 'contact',
  // Score and grade against the current ICP profile (src/icp): null before the first icp-discovery run.
  extraColumns: { icp_score: 'integer', icp_grade: 'text' },
  scores: ['icp_score'],
  equals: ['owner_email', 'account_id', 'seniority', 'department', 'lifecycle_stage', 'email', 'icp_grade'],
  presence: { account: 'account_id' },
  search: ['first_name', 'last_name', 'email'],
  sorts: ['last_name', 'email'],
});

export const listContacts = (q: Queryable, workspaceId: string, query: Record<string, string | string[]>) =>
  listEntity(q, workspaceId, contactListing, query);
export const getContact = (q: Queryable, workspaceId: string, id: string) =>
  getEntity(q, workspaceId, contactListing, id);
