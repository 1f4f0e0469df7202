/** Accounts: list filters, sorts and search. */
import type { Queryable } from '../db/db.ts';
import { defineListing, getEntity, listEntity } from './entity-listing.ts';

export const accountListing = defineListing('accounts', {
  singular: 'account',
  equals: ['owner_email', 'industry', 'country', 'city', 'domain'],
  ranges: { employee_count: 'employee_count', annual_revenue: 'annual_revenue' },
  search: ['name', 'domain'],
  sorts: ['name', 'employee_count', 'annual_revenue'],
});

export const listAccounts = (q: Queryable, workspaceId: string, query: Record<string, string | string[]>) =>
  listEntity(q, workspaceId, accountListing, query);
export const getAccount = (q: Queryable, workspaceId: string, id: string) =>
  getEntity(q, workspaceId, accountListing, id);
