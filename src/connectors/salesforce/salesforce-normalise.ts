/** Salesforce records → normalised rows and side records, one mapper per object. */
import type { StageInput, StageNormalized } from '../../compute/stage-normalisation.ts';
import type { EntityName } from '../../entities/entity-tables.ts';
import type { DealContactLink, NormalisedRecord, SourceRef, StageTransition } from '../adapter.ts';
import { seniorityOf } from '../hubspot/hubspot-normalise.ts';
import type { SfRecord } from './salesforce-api.ts';

export interface SfLookups {
  users: Map<string, { email: string | null }>;
  custom: Map<string, string[]>;
  normaliseStage(input: StageInput): StageNormalized | null;
}

export const SF_FIELDS: Record<string, readonly string[]> = {
  Account: [
    'Id',
    'Name',
    'Website',
    'Industry',
    'NumberOfEmployees',
    'AnnualRevenue',
    'BillingCity',
    'BillingCountry',
    'OwnerId',
    'CreatedDate',
    'SystemModstamp',
  ],
  Contact: [
    'Id',
    'FirstName',
    'LastName',
    'Email',
    'Phone',
    'Title',
    'Department',
    'AccountId',
    'OwnerId',
    'CreatedDate',
    'SystemModstamp',
  ],
  Opportunity: [
    'Id',
    'Name',
    'Amount',
    'StageName',
    'CloseDate',
    'Probability',
    'ForecastCategoryName',
    'IsClosed',
    'IsWon',
    'OwnerId',
    'AccountId',
    'NextStep',
    'LeadSource',
    'Type',
    'CreatedDate',
    'SystemModstamp',
  ],
  Lead: [
    'Id',
    'FirstName',
    'LastName',
    'Email',
    'Phone',
    'Title',
    'Company',
    'Status',
    'LeadSource',
    'OwnerId',
    'IsConverted',
    'ConvertedDate',
    'ConvertedContactId',
    'ConvertedAccountId',
    'ConvertedOpportunityId',
    'CreatedDate',
    'SystemModstamp',
  ],
  OpportunityContactRole: ['Id', 'OpportunityId', 'ContactId', 'Role', 'IsPrimary', 'SystemModstamp'],
  OpportunityHistory: ['Id', 'OpportunityId', 'StageName', 'CreatedDate', 'SystemModstamp'],
  Task: [
    'Id',
    'Subject',
    'Description',
    'Status',
    'Priority',
    'ActivityDate',
    'TaskSubtype',
    'CallDurationInSeconds',
    'CallType',
    'CallDisposition',
    'IsClosed',
    'CompletedDateTime',
    'OwnerId',
    'WhoId',
    'WhatId',
    'CreatedDate',
    'SystemModstamp',
  ],
  Event: [
    'Id',
    'Subject',
    'Description',
    'StartDateTime',
    'DurationInMinutes',
    'OwnerId',
    'WhoId',
    'WhatId',
    'CreatedDate',
    'SystemModstamp',
  ],
};

/** Objects whose describe feeds custom_fields. */
export const DESCRIBED = ['Account', 'Contact', 'Opportunity', 'Lead', 'Task', 'Event'] as const;

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v)
    ? v
    : typeof v === 'string' && v !== '' && Number.isFinite(Number(v))
      ? Number(v)
      : null;
const bool = (v: unknown) => (typeof v === 'boolean' ? v : null);
function time(v: unknown): string | null {
  if (typeof v !== 'string' || v === '') return null;
  const d = new Date(v.replace(/\+0000$/, 'Z'));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
const day = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : null);
const ref = (entity: EntityName, id: unknown): SourceRef | null =>
  typeof id === 'string' && id ? { entity, source_id: id } : null;

/** Key prefixes of standard objects: 006 Opportunity, 001 Account, 003 Contact, 00Q Lead. */
const prefixIs = (id: unknown, prefix: string) => typeof id === 'string' && id.startsWith(prefix);

export function domainOf(website: unknown): string | null {
  const w = text(website);
  if (!w) return null;
  try {
    return new URL(/^https?:\/\//i.test(w) ? w : `https://${w}`).hostname.replace(/^www\./, '').toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Adds the columns every Salesforce row carries to the object's own columns, one property at a time:
 * V8 builds `{ ...common, name, … }` very slowly and Object.assign makes a slow dictionary-mode object
 * (see withCommon in ../hubspot/hubspot-normalise.ts).
 */
function withCommon(object: string, r: SfRecord, l: SfLookups, own: Record<string, unknown>) {
  const custom: Record<string, unknown> = {};
  for (const name of l.custom.get(object) ?? []) if (name in r) custom[name] = r[name] ?? null;
  own.source = 'salesforce';
  own.source_id = r.Id;
  own.source_data = r;
  own.custom_fields = custom;
  own.source_created_at = time(r.CreatedDate);
  own.source_updated_at = time(r.SystemModstamp);
  return own;
}

const ownerEmail = (r: SfRecord, l: SfLookups) =>
  typeof r.OwnerId === 'string' ? (l.users.get(r.OwnerId)?.email ?? null) : null;

function activityRefs(r: SfRecord) {
  return {
    contact_id: prefixIs(r.WhoId, '003') ? ref('contacts', r.WhoId) : null,
    account_id: prefixIs(r.WhatId, '001') ? ref('accounts', r.WhatId) : null,
    deal_id: prefixIs(r.WhatId, '006') ? ref('deals', r.WhatId) : null,
  };
}

export interface SfNormalised {
  entity?: EntityName;
  record?: NormalisedRecord;
  dealContact?: DealContactLink;
  transition?: StageTransition;
}

const ROLE_NAMES: Record<string, string> = {
  'decision maker': 'decision_maker',
  'economic buyer': 'economic_buyer',
  'economic decision maker': 'economic_buyer',
  'executive sponsor': 'executive_sponsor',
  'technical buyer': 'technical_buyer',
  evaluator: 'evaluator',
  influencer: 'influencer',
  'business user': 'user',
  champion: 'champion',
};

/** An OpportunityContactRole as a deal↔contact link (the sync and the reconciliation read it alike). */
export function contactRoleLink(r: Record<string, unknown>): DealContactLink | null {
  const role = text(r.Role);
  if (typeof r.OpportunityId !== 'string' || typeof r.ContactId !== 'string') return null;
  return {
    deal_source_id: r.OpportunityId,
    contact_source_id: r.ContactId,
    source: 'salesforce_contact_role',
    role: role ? (ROLE_NAMES[role.toLowerCase()] ?? role.toLowerCase().replace(/\W+/g, '_')) : null,
    role_source: role ? 'crm_role' : 'crm_association',
    role_confidence: role ? 1 : null,
    is_primary: bool(r.IsPrimary) ?? false,
  };
}

export function normaliseSf(object: string, r: SfRecord, l: SfLookups): SfNormalised {
  switch (object) {
    case 'Account':
      return {
        entity: 'accounts',
        record: {
          row: withCommon(object, r, l, {
            deleted_at: null,
            name: text(r.Name),
            domain: domainOf(r.Website),
            industry: text(r.Industry),
            employee_count: num(r.NumberOfEmployees),
            annual_revenue: num(r.AnnualRevenue),
            city: text(r.BillingCity),
            country: text(r.BillingCountry),
            owner_email: ownerEmail(r, l),
          }),
        },
      };
    case 'Contact':
      return {
        entity: 'contacts',
        record: {
          row: withCommon(object, r, l, {
            deleted_at: null,
            first_name: text(r.FirstName),
            last_name: text(r.LastName),
            email: text(r.Email)?.toLowerCase() ?? null,
            phone: text(r.Phone),
            title: text(r.Title),
            seniority: seniorityOf(text(r.Title)),
            department: text(r.Department),
            owner_email: ownerEmail(r, l),
          }),
          refs: { account_id: ref('accounts', r.AccountId) },
        },
      };
    case 'Opportunity': {
      const probability = num(r.Probability);
      const isClosed = bool(r.IsClosed) ?? false;
      const isWon = bool(r.IsWon) ?? false;
      return {
        entity: 'deals',
        record: {
          row: withCommon(object, r, l, {
            deleted_at: null,
            name: text(r.Name),
            amount: num(r.Amount),
            stage: text(r.StageName),
            stage_normalized: l.normaliseStage({
              source: 'salesforce',
              rawStage: text(r.StageName),
              probability,
              isClosed,
              isWon,
            }),
            probability: probability === null ? null : Math.min(100, Math.max(0, probability)),
            forecast_category: text(r.ForecastCategoryName)?.toLowerCase().replace(/\s+/g, '_') ?? null,
            close_date: day(r.CloseDate),
            is_closed: isClosed,
            is_won: isWon,
            owner_email: ownerEmail(r, l),
            next_step: text(r.NextStep),
            lead_source: text(r.LeadSource),
            deal_type: text(r.Type),
          }),
          refs: { account_id: ref('accounts', r.AccountId) },
        },
      };
    }
    case 'Lead':
      return {
        entity: 'leads',
        record: {
          row: withCommon(object, r, l, {
            deleted_at: null,
            first_name: text(r.FirstName),
            last_name: text(r.LastName),
            email: text(r.Email)?.toLowerCase() ?? null,
            phone: text(r.Phone),
            title: text(r.Title),
            company: text(r.Company),
            status: text(r.Status),
            lead_source: text(r.LeadSource),
            owner_email: ownerEmail(r, l),
            is_converted: bool(r.IsConverted) ?? false,
            converted_at: day(r.ConvertedDate) ? `${day(r.ConvertedDate)}T00:00:00Z` : null,
          }),
          refs: {
            converted_contact_id: ref('contacts', r.ConvertedContactId),
            converted_account_id: ref('accounts', r.ConvertedAccountId),
            converted_deal_id: ref('deals', r.ConvertedOpportunityId),
          },
        },
      };
    case 'OpportunityContactRole': {
      const link = contactRoleLink(r);
      return link ? { dealContact: link } : {};
    }
    case 'OpportunityHistory': {
      const changedAt = time(r.CreatedDate);
      if (typeof r.OpportunityId !== 'string' || !text(r.StageName) || !changedAt) return {};
      return {
        transition: {
          deal_source_id: r.OpportunityId,
          to_stage: text(r.StageName)!,
          changed_at: changedAt,
          source: 'salesforce_history',
        },
      };
    }
    case 'Task': {
      const subtype = text(r.TaskSubtype);
      if (subtype === 'Call') {
        return {
          entity: 'calls',
          record: {
            row: withCommon(object, r, l, {
              title: text(r.Subject),
              direction: text(r.CallType)?.toLowerCase() ?? null,
              disposition: text(r.CallDisposition),
              duration_seconds: num(r.CallDurationInSeconds),
              occurred_at: time(r.CompletedDateTime) ?? time(r.CreatedDate),
              owner_email: ownerEmail(r, l),
            }),
            refs: activityRefs(r),
          },
        };
      }
      if (subtype === 'Email' || subtype === 'ListEmail') {
        return {
          entity: 'activities',
          record: {
            row: withCommon(object, r, l, {
              activity_type: 'email',
              subject: text(r.Subject),
              body: text(r.Description),
              direction: 'outbound',
              occurred_at: time(r.CompletedDateTime) ?? time(r.CreatedDate),
              owner_email: ownerEmail(r, l),
            }),
            refs: activityRefs(r),
          },
        };
      }
      return {
        entity: 'tasks',
        record: {
          row: withCommon(object, r, l, {
            title: text(r.Subject),
            body: text(r.Description),
            status: text(r.Status),
            priority: text(r.Priority),
            task_type: subtype,
            due_date: day(r.ActivityDate),
            completed_at: time(r.CompletedDateTime),
            is_completed: bool(r.IsClosed) ?? false,
            owner_email: ownerEmail(r, l),
          }),
          refs: activityRefs(r),
        },
      };
    }
    case 'Event':
      return {
        entity: 'activities',
        record: {
          row: withCommon(object, r, l, {
            activity_type: 'meeting',
            subject: text(r.Subject),
            body: text(r.Description),
            occurred_at: time(r.StartDateTime),
            owner_email: ownerEmail(r, l),
          }),
          refs: activityRefs(r),
        },
      };
  }
  return {};
}
