/** Tasks (CRM tasks, Monday items): list filters and sorts. */
import type { Queryable } from '../db/db.ts';
import { defineListing, getEntity, listEntity } from './entity-listing.ts';

export const taskListing = defineListing('tasks', {
  singular: 'task',
  equals: [
    'status',
    'priority',
    'task_type',
    'owner_email',
    'board',
    'group_name',
    'deal_id',
    'account_id',
    'contact_id',
  ],
  booleans: ['is_completed'],
  ranges: { due_date: 'due_date', completed: 'completed_at' },
  presence: { deal: 'deal_id', account: 'account_id', contact: 'contact_id' },
  search: ['title'],
  sorts: ['due_date', 'completed_at', 'title'],
});

export const listTasks = (q: Queryable, workspaceId: string, query: Record<string, string | string[]>) =>
  listEntity(q, workspaceId, taskListing, query);
export const getTask = (q: Queryable, workspaceId: string, id: string) =>
  getEntity(q, workspaceId, taskListing, id);
