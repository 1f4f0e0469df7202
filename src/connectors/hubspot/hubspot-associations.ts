/**
 * HubSpot associations re-read for reconciliation, and object totals for the health ledger. Every live
 * deal and contact id is walked from the object lists (ids only), and their associations are read with
 * the v4 batch endpoint (up to 1,000 records a call, each record's list paged past 500), independent of
 * the modified-time cursor the incremental sync follows.
 */
import { z } from 'zod';
import type { EntityName } from '../../entities/entity-tables.ts';
import type { AssociationBatch, ConnectorContext, DealContactLink } from '../adapter.ts';
import type { HttpClient } from '../http-client.ts';
import { parseUpstream } from '../upstream-payload.ts';
import { HUBSPOT_OBJECTS, type HubspotObject, listObjects, modifiedProperty } from './hubspot-api.ts';
import { TARGET_ENTITY } from './hubspot-objects.ts';

/** The v4 batch read takes at most 1,000 inputs. */
export const ASSOCIATION_BATCH = 1000;

const objectId = z.union([z.string(), z.number()]).transform(String);
const v4BatchSchema = z.object({
  results: z.array(
    z.object({
      from: z.object({ id: objectId }),
      to: z.array(
        z.object({
          toObjectId: objectId,
          associationTypes: z
            .array(z.object({ label: z.string().nullable().optional() }).passthrough())
            .default([]),
        }),
      ),
      paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
    }),
  ),
});

/**
 * from id → associated ids, the primary association first (HubSpot labels it "Primary"), then in the
 * order HubSpot lists them. Records with no association are absent.
 */
export async function readAssociationsV4(
  http: HttpClient,
  from: HubspotObject,
  to: HubspotObject,
  ids: readonly string[],
): Promise<Map<string, string[]>> {
  const found = new Map<string, Array<{ id: string; primary: boolean }>>();
  let inputs: Array<{ id: string; after?: string }> = ids.map((id) => ({ id }));
  while (inputs.length > 0) {
    const body = parseUpstream(
      'hubspot',
      'associations',
      v4BatchSchema,
      await http.post(`/crm/v4/associations/${from}/${to}/batch/read`, { inputs }),
    );
    const more: Array<{ id: string; after?: string }> = [];
    for (const r of body.results) {
      const list = found.get(r.from.id) ?? [];
      for (const t of r.to)
        list.push({ id: t.toObjectId, primary: t.associationTypes.some((a) => a.label === 'Primary') });
      found.set(r.from.id, list);
      const after = r.paging?.next?.after;
      if (after) more.push({ id: r.from.id, after });
    }
    inputs = more;
  }
  const out = new Map<string, string[]>();
  for (const [id, list] of found) {
    const ordered = [...list.filter((x) => x.primary), ...list.filter((x) => !x.primary)].map((x) => x.id);
    out.set(id, [...new Set(ordered)]);
  }
  return out;
}

/** Live ids of an object, ASSOCIATION_BATCH at a time. */
async function* liveIds(http: HttpClient, object: HubspotObject): AsyncGenerator<string[]> {
  let batch: string[] = [];
  let after: string | undefined;
  do {
    const page = await listObjects(http, object, { after, properties: ['hs_object_id'], associations: [] });
    for (const r of page.results) batch.push(r.id);
    after = page.paging?.next?.after;
    if (batch.length >= ASSOCIATION_BATCH || (!after && batch.length > 0)) {
      yield batch;
      batch = [];
    }
  } while (after);
}

export async function* readHubspotAssociations(
  ctx: ConnectorContext<unknown>,
): AsyncGenerator<AssociationBatch> {
  for await (const ids of liveIds(ctx.http, 'deals')) {
    const contacts = await readAssociationsV4(ctx.http, 'deals', 'contacts', ids);
    const links: DealContactLink[] = [];
    for (const [deal, list] of contacts)
      for (const contact of list)
        links.push({
          deal_source_id: deal,
          contact_source_id: contact,
          source: 'hubspot_association',
          role_source: 'crm_association',
          is_primary: false,
        });
    yield { kind: 'deal_contact', from_source_ids: ids, link_source: 'hubspot_association', links };
    const companies = await readAssociationsV4(ctx.http, 'deals', 'companies', ids);
    yield { kind: 'deal_account', from_source_ids: ids, links: accountLinks(companies) };
  }
  for await (const ids of liveIds(ctx.http, 'contacts')) {
    const companies = await readAssociationsV4(ctx.http, 'contacts', 'companies', ids);
    yield { kind: 'contact_account', from_source_ids: ids, links: accountLinks(companies) };
  }
}

function accountLinks(found: Map<string, string[]>) {
  const links: Array<{ from_source_id: string; to_source_id: string }> = [];
  for (const [from, list] of found)
    for (const to of list) links.push({ from_source_id: from, to_source_id: to });
  return links;
}

const searchTotal = z.object({ total: z.number().int().min(0) }).passthrough();

/** Live records per entity from each object's search `total` (emails, meetings and notes are activities). */
export async function countHubspotObjects(
  ctx: ConnectorContext<unknown>,
): Promise<Partial<Record<EntityName, number>>> {
  const counts: Partial<Record<EntityName, number>> = {};
  for (const object of HUBSPOT_OBJECTS) {
    const prop = modifiedProperty(object);
    const body = await ctx.http.post(`/crm/v3/objects/${object}/search`, {
      filterGroups: [{ filters: [{ propertyName: prop, operator: 'GTE', value: '0' }] }],
      sorts: [{ propertyName: prop, direction: 'ASCENDING' }],
      properties: ['hs_object_id'],
      limit: 1,
    });
    const { total } = parseUpstream('hubspot', `${object} count`, searchTotal, body);
    const entity = TARGET_ENTITY[object];
    counts[entity] = (counts[entity] ?? 0) + total;
  }
  return counts;
}
