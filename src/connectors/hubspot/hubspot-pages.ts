/**
 * One HubSpot API page turned into what a sync page carries: normalised rows, deal-contact links, merges
 * (the ids a record absorbed), rejected records, and the newest last-modified time for the watermark.
 */
import type {
  DealContactLink,
  NormalisedRecord,
  SoftDeletableEntity,
  SourceMerge,
  SourceRejection,
} from '../adapter.ts';
import { type HubspotObject, type HubspotPage, type HubspotRecord, modifiedProperty } from './hubspot-api.ts';
import { type HubspotLookups, mergedIds, normaliseRecord } from './hubspot-normalise.ts';
import { TARGET_ENTITY } from './hubspot-objects.ts';

/** Objects HubSpot archives (and merges): their archived list is read, their merges recorded. */
export const ARCHIVABLE = new Set<HubspotObject>(['companies', 'contacts', 'deals']);

function modifiedMs(object: HubspotObject, r: HubspotRecord): number | null {
  const raw = r.properties[modifiedProperty(object)] ?? r.updatedAt;
  if (!raw) return null;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  return Number.isNaN(ms) ? null : ms;
}

/** One API page normalised: its rows, deal↔contact links and the newest last-modified time in it. */
export interface NormalisedPage {
  records: NormalisedRecord[];
  dealContacts: DealContactLink[];
  merges: SourceMerge[];
  rejections: SourceRejection[];
  newestMs: number | null;
  after: string | undefined;
}

export function normalisePage(
  object: HubspotObject,
  page: HubspotPage,
  lookups: HubspotLookups,
): NormalisedPage {
  const records: NormalisedRecord[] = [];
  const dealContacts: DealContactLink[] = [];
  const merges: SourceMerge[] = [];
  let newestMs: number | null = null;
  for (const r of page.results) {
    const out = normaliseRecord(object, r, lookups);
    records.push(out.record);
    if (out.dealContacts) for (const link of out.dealContacts) dealContacts.push(link);
    if (ARCHIVABLE.has(object) && !r.archived) {
      const entity = TARGET_ENTITY[object] as SoftDeletableEntity;
      const at = r.updatedAt ?? new Date().toISOString();
      for (const id of mergedIds(r))
        merges.push({ entity, source_id: id, into_source_id: r.id, merged_at: at });
    }
    const ms = modifiedMs(object, r);
    if (ms !== null && (newestMs === null || ms > newestMs)) newestMs = ms;
  }
  const entity = TARGET_ENTITY[object];
  const rejections = (page.rejected ?? []).map((r) => ({ entity, ...r }));
  return { records, dealContacts, merges, rejections, newestMs, after: page.paging?.next?.after };
}
