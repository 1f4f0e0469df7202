/** Every entity listing, by URL segment: the REST routes and the OpenAPI document iterate this. */
import { accountListing } from './accounts-queries.ts';
import { activityListing } from './activities-queries.ts';
import { callListing } from './calls-queries.ts';
import { contactListing } from './contacts-queries.ts';
import { conversationListing } from './conversations-queries.ts';
import { dealListing } from './deals-queries.ts';
import { documentListing } from './documents-queries.ts';
import type { EntityListing } from './entity-listing.ts';
import type { EntityName } from './entity-tables.ts';
import { leadListing } from './leads-queries.ts';
import { taskListing } from './tasks-queries.ts';

export const ENTITY_LISTINGS: Readonly<Record<EntityName, EntityListing>> = Object.freeze({
  accounts: accountListing,
  contacts: contactListing,
  deals: dealListing,
  activities: activityListing,
  calls: callListing,
  conversations: conversationListing,
  tasks: taskListing,
  documents: documentListing,
  leads: leadListing,
});
