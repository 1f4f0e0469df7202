/** HubSpot records → normalised rows: companies, contacts, deals, calls, emails/meetings/notes, tasks. */
import type { StageInput, StageNormalized } from '../../compute/stage-normalisation.ts';
import type { UpsertRow } from '../../db/bulk-upsert.ts';
import type { EntityName } from '../../entities/entity-tables.ts';
import type { DealContactLink, NormalisedRecord, SourceRef } from '../adapter.ts';
import type { HubspotObject, HubspotRecord, StageInfo } from './hubspot-api.ts';

export interface HubspotLookups {
  owners: Map<string, string>;
  stages: Map<string, StageInfo>;
  customProperties: Map<HubspotObject, Set<string>>;
  normaliseStage(input: StageInput): StageNormalized | null;
}

const str = (v: string | null | undefined) => (v === undefined || v === null || v === '' ? null : v);
/** hs_additional_domains is one semicolon-separated string ("b.com;c.io"). */
function domainList(v: string | null | undefined): string[] | null {
  const domains = (v ?? '')
    .split(';')
    .map((d) => d.trim().toLowerCase())
    .filter((d) => d !== '');
  return domains.length > 0 ? [...new Set(domains)] : null;
}

function num(v: string | null | undefined): number | null {
  const s = str(v);
  if (s === null) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}
function bool(v: string | null | undefined): boolean | null {
  const s = str(v);
  return s === null ? null : s === 'true';
}
// Exactly what toISOString() prints, with a day and hour Date cannot roll over (no Feb 30, no 24:00):
// such a value is already normalised and skips the Date round trip.
const CANONICAL_ISO =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;
const EPOCH_MS = /^\d{11,}$/;

/** HubSpot datetimes arrive as ISO strings or epoch milliseconds. */
function time(v: string | null | undefined): string | null {
  const s = str(v);
  if (s === null) return null;
  if (CANONICAL_ISO.test(s)) return s;
  const d = EPOCH_MS.test(s) ? new Date(Number(s)) : new Date(s);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
const dayOf = (t: string | null) => t?.slice(0, 10) ?? null;

/** An archived record is deleted at the source (HubSpot keeps it restorable for 90 days). */
const deletedAt = (r: HubspotRecord) =>
  r.archived ? (time(r.archivedAt) ?? time(r.updatedAt) ?? new Date().toISOString()) : null;

/** The records merged into this one: `hs_merged_object_ids` is a semicolon-separated id list. */
export function mergedIds(r: HubspotRecord): string[] {
  const raw = str(r.properties.hs_merged_object_ids);
  if (!raw) return [];
  return raw
    .split(';')
    .map((id) => id.trim())
    .filter((id) => /^\d+$/.test(id) && id !== r.id);
}

function firstAssociated(r: HubspotRecord, key: string): string | null {
  return r.associations?.[key]?.results[0]?.id ?? null;
}

function ref(entity: EntityName, id: string | null): SourceRef | null {
  return id ? { entity, source_id: id } : null;
}

/**
 * Adds the columns every HubSpot row carries to the object's own columns, one property at a time.
 * Not `{ ...common, name, … }` nor Object.assign(common, own): V8 builds the first very slowly (tens of
 * microseconds a row) and turns the second into a dictionary-mode object that is slow to read and copy
 * all the way to the CSV encoder.
 */
function withCommon(object: HubspotObject, r: HubspotRecord, lookups: HubspotLookups, own: UpsertRow) {
  const custom: Record<string, string | null> = {};
  const names = lookups.customProperties.get(object);
  if (names) for (const name of names) if (name in r.properties) custom[name] = r.properties[name] ?? null;
  const p = r.properties;
  own.source = 'hubspot';
  own.source_id = r.id;
  own.source_data = r;
  own.custom_fields = custom;
  own.source_created_at = time(r.createdAt) ?? time(p.createdate ?? p.hs_createdate);
  own.source_updated_at = time(r.updatedAt) ?? time(p.hs_lastmodifieddate ?? p.lastmodifieddate);
  return own;
}

const owner = (r: HubspotRecord, l: HubspotLookups) => {
  const id = str(r.properties.hubspot_owner_id);
  return id ? (l.owners.get(id) ?? null) : null;
};

export function seniorityOf(title: string | null): string | null {
  if (!title) return null;
  const t = title.toLowerCase();
  if (/\b(chief|ceo|cfo|cto|coo|cro|cmo|cio|founder|president|owner)\b/.test(t)) return 'c_level';
  if (/\b(vp|vice president|svp|evp|head of)\b/.test(t)) return 'vp';
  if (/\bdirector\b/.test(t)) return 'director';
  if (/\b(manager|lead)\b/.test(t)) return 'manager';
  return 'individual_contributor';
}

/** Engagements point at their first associated contact, company and deal. */
function engagementRefs(r: HubspotRecord): Record<string, SourceRef | null> {
  return {
    contact_id: ref('contacts', firstAssociated(r, 'contacts')),
    account_id: ref('accounts', firstAssociated(r, 'companies')),
    deal_id: ref('deals', firstAssociated(r, 'deals')),
  };
}

export function normaliseRecord(
  object: HubspotObject,
  r: HubspotRecord,
  lookups: HubspotLookups,
): { record: NormalisedRecord; dealContacts?: DealContactLink[] } {
  const p = r.properties;
  switch (object) {
    case 'companies': {
      const employees = num(p.numberofemployees);
      return {
        record: {
          row: withCommon(object, r, lookups, {
            deleted_at: deletedAt(r),
            name: str(p.name),
            domain: str(p.domain)?.toLowerCase() ?? null,
            additional_domains: domainList(p.hs_additional_domains),
            industry: str(p.industry),
            employee_count: employees === null ? null : Math.round(employees),
            annual_revenue: num(p.annualrevenue),
            city: str(p.city),
            country: str(p.country),
            owner_email: owner(r, lookups),
          }),
        },
      };
    }
    case 'contacts': {
      const title = str(p.jobtitle);
      return {
        record: {
          row: withCommon(object, r, lookups, {
            deleted_at: deletedAt(r),
            first_name: str(p.firstname),
            last_name: str(p.lastname),
            email: str(p.email)?.toLowerCase() ?? null,
            phone: str(p.phone),
            title,
            seniority: seniorityOf(title),
            lifecycle_stage: str(p.lifecyclestage),
            owner_email: owner(r, lookups),
          }),
          refs: {
            account_id: ref('accounts', firstAssociated(r, 'companies') ?? str(p.associatedcompanyid)),
          },
        },
      };
    }
    case 'deals':
      return normaliseDeal(r, lookups);
    case 'calls': {
      const ms = num(p.hs_call_duration);
      return {
        record: {
          row: withCommon(object, r, lookups, {
            title: str(p.hs_call_title),
            direction: str(p.hs_call_direction)?.toLowerCase() ?? null,
            disposition: str(p.hs_call_disposition),
            duration_seconds: ms === null ? null : Math.max(0, Math.round(ms / 1000)),
            occurred_at: time(p.hs_timestamp),
            from_number: str(p.hs_call_from_number),
            to_number: str(p.hs_call_to_number),
            recording_url: str(p.hs_call_recording_url),
            owner_email: owner(r, lookups),
          }),
          refs: engagementRefs(r),
        },
      };
    }
    case 'emails':
    case 'meetings':
    case 'notes': {
      const type = object === 'emails' ? 'email' : object === 'meetings' ? 'meeting' : 'note';
      const direction = str(p.hs_email_direction);
      return {
        record: {
          row: withCommon(object, r, lookups, {
            activity_type: type,
            subject: str(p.hs_email_subject ?? p.hs_meeting_title),
            body: str(p.hs_email_text ?? p.hs_meeting_body ?? p.hs_note_body),
            direction: direction ? (direction === 'INCOMING_EMAIL' ? 'inbound' : 'outbound') : null,
            occurred_at: time(p.hs_meeting_start_time ?? p.hs_timestamp),
            owner_email: owner(r, lookups),
          }),
          refs: engagementRefs(r),
        },
      };
    }
    case 'tasks': {
      const status = str(p.hs_task_status);
      return {
        record: {
          row: withCommon(object, r, lookups, {
            title: str(p.hs_task_subject),
            body: str(p.hs_task_body),
            status,
            priority: str(p.hs_task_priority),
            task_type: str(p.hs_task_type),
            due_date: dayOf(time(p.hs_timestamp)),
            completed_at: time(p.hs_task_completion_date),
            is_completed: status === 'COMPLETED',
            owner_email: owner(r, lookups),
          }),
          refs: engagementRefs(r),
        },
      };
    }
  }
}

function normaliseDeal(r: HubspotRecord, lookups: HubspotLookups) {
  const p = r.properties;
  const stageId = str(p.dealstage);
  const info = stageId ? lookups.stages.get(stageId) : undefined;
  const isClosed = bool(p.hs_is_closed) ?? info?.isClosed ?? false;
  const isWon = bool(p.hs_is_closed_won) ?? (isClosed && (info?.probability ?? 0) >= 100);
  const dealProb = num(p.hs_deal_stage_probability);
  const probability = dealProb !== null ? dealProb * 100 : (info?.probability ?? null);
  const stage = info?.label ?? stageId;
  const closeTime = time(p.closedate);
  const record: NormalisedRecord = {
    row: withCommon('deals', r, lookups, {
      deleted_at: deletedAt(r),
      name: str(p.dealname),
      amount: num(p.amount),
      currency: str(p.deal_currency_code),
      pipeline: info?.pipelineLabel ?? str(p.pipeline),
      stage,
      stage_normalized: lookups.normaliseStage({
        source: 'hubspot',
        rawStage: stage,
        alias: stageId,
        probability,
        isClosed,
        isWon,
      }),
      probability: probability === null ? null : Math.min(100, Math.max(0, probability)),
      forecast_category: str(p.hs_manual_forecast_category)?.toLowerCase() ?? null,
      close_date: dayOf(closeTime),
      is_closed: isClosed,
      is_won: isWon,
      owner_email: owner(r, lookups),
      next_step: str(p.hs_next_step),
      lead_source: str(p.hs_analytics_source),
      deal_type: str(p.dealtype),
      closed_at: isClosed ? closeTime : null,
    }),
    refs: { account_id: ref('accounts', firstAssociated(r, 'companies')) },
  };
  return { record, dealContacts: dealContactLinks(r) };
}

export function dealContactLinks(r: HubspotRecord): DealContactLink[] {
  const contacts = r.associations?.contacts?.results ?? [];
  const seen = new Set<string>();
  const links: DealContactLink[] = [];
  for (const c of contacts) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    links.push({
      deal_source_id: r.id,
      contact_source_id: c.id,
      source: 'hubspot_association',
      role_source: 'crm_association',
      is_primary: false,
    });
  }
  return links;
}
