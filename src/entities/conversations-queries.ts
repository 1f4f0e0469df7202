/** Conversations (recorded meetings): list filters (of a deal, internal, linked/unlinked), sorts, search. */
import type { Queryable } from '../db/db.ts';
import { defineListing, getEntity, listEntity } from './entity-listing.ts';

export const conversationListing = defineListing('conversations', {
  singular: 'conversation',
  // Set by the linker and the internal-meeting filter, not by connectors.
  extraColumns: {
    is_internal: 'boolean',
    internal_classification_reason: 'text',
    contact_id: 'uuid',
    account_id: 'uuid',
    deal_id: 'uuid',
    link_method: 'text',
    transcript_status: 'text',
    transcript_fetched_at: 'timestamptz',
  },
  equals: ['organizer_email', 'deal_id', 'account_id', 'contact_id', 'link_method', 'transcript_status'],
  booleans: ['is_internal', 'is_tracked'],
  ranges: { started: 'started_at', duration: 'duration_seconds' },
  presence: { deal: 'deal_id', account: 'account_id', contact: 'contact_id' },
  search: ['title'],
  sorts: ['started_at', 'duration_seconds'],
  defaultSort: '-started_at',
});

export const listConversations = (
  q: Queryable,
  workspaceId: string,
  query: Record<string, string | string[]>,
) => listEntity(q, workspaceId, conversationListing, query);
export const getConversation = (q: Queryable, workspaceId: string, id: string) =>
  getEntity(q, workspaceId, conversationListing, id);
