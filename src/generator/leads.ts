/**
 * Leads: converted ones pointing at the contact, account and deal they became; open ones at new companies.
 * Each carries its company's firmographics (industry, employees, country) as a CRM lead does, and converts
 * according to the planted ICP (planted-icp.ts): fit companies and VP-level people convert, others stay.
 */
import { companyIdentity, personEmail } from './naming.ts';
import {
  type AccountModel,
  type ChunkPlan,
  DAY_MS,
  type DealModel,
  type Ref,
  type WorldContext,
  between,
  iso,
  nextNumber,
  ref,
} from './world-model.ts';
import { companyFit, convertedLeadChance, leadFit, staysUnconvertedChance } from './planted-icp.ts';
import {
  FIRST_NAMES,
  INDUSTRIES,
  JOB_TITLES,
  JOB_TITLE_WEIGHTS,
  LAST_NAMES,
  LEAD_SOURCES,
  PLACES,
} from './vocabulary.ts';

// Lead companies are named from a range of indexes accounts never reach, so they are new companies.
const LEAD_COMPANY_OFFSET = 50_000_000;

export function generateLeads(
  ctx: WorldContext,
  plan: ChunkPlan,
  account: AccountModel,
  deals: DealModel[],
): void {
  const { rng } = ctx;
  const crm = account.crm;
  const contact = rng.pick(account.contacts);
  const accountFit = companyFit(account.industry, account.employees);
  if (rng.chance(convertedLeadChance(leadFit(accountFit, contact.seniority)))) {
    const deal = deals[0];
    const convertedAt = between(
      ctx,
      account.createdAt - 30 * DAY_MS,
      deal ? deal.createdAt : account.createdAt,
    );
    const refs = [
      ref('converted_contact_id', 'contacts', crm, contact.sourceId),
      ref('converted_account_id', 'accounts', crm, account.sourceId),
    ];
    if (deal) refs.push(ref('converted_deal_id', 'deals', crm, deal.sourceId));
    pushLead(ctx, plan, account, {
      first: contact.first,
      last: contact.last,
      email: contact.email,
      title: contact.title,
      company: account.name,
      firmographics: {
        industry: account.industry,
        employee_count: account.employees,
        country: account.place.country,
      },
      status: crm === 'salesforce' ? 'Closed - Converted' : 'CONVERTED',
      convertedAt,
      refs,
    });
  }
  if (rng.chance(0.6)) {
    const industry = rng.pick(INDUSTRIES);
    const employees = Math.max(5, Math.round(Math.exp(5 + 1.6 * rng.normal())));
    const job = rng.weighted(JOB_TITLES, JOB_TITLE_WEIGHTS);
    const country = rng.pick(PLACES).country;
    // A lead that fits the ICP seldom stays unconverted.
    if (!rng.chance(staysUnconvertedChance(leadFit(companyFit(industry, employees), job.seniority)))) return;
    const n = nextNumber(ctx, 'lead-company');
    const company = companyIdentity(ctx.seed, LEAD_COMPANY_OFFSET + n);
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    pushLead(ctx, plan, account, {
      first,
      last,
      email: personEmail(first, last, company.domain),
      title: job.title,
      company: company.name,
      firmographics: { industry, employee_count: employees, country },
      status: rng.pick(
        crm === 'salesforce'
          ? ['Open - Not Contacted', 'Working - Contacted', 'Closed - Not Converted']
          : ['NEW', 'IN_PROGRESS', 'UNQUALIFIED'],
      ),
      convertedAt: null,
      refs: [],
    });
  }
}

interface LeadFacts {
  first: string;
  last: string;
  email: string;
  title: string;
  company: string;
  firmographics: { industry: string; employee_count: number; country: string };
  status: string;
  convertedAt: number | null;
  refs: Ref[];
}

function pushLead(ctx: WorldContext, plan: ChunkPlan, account: AccountModel, f: LeadFacts): void {
  const { rng, ids } = ctx;
  const crm = account.crm;
  const n = nextNumber(ctx, `${crm}:lead`);
  const id = crm === 'hubspot' ? ids.hubspot('lead', n) : ids.salesforce('lead', n);
  const createdAt = f.convertedAt
    ? f.convertedAt - rng.int(1, 40) * DAY_MS
    : between(ctx, ctx.asOf - 400 * DAY_MS, ctx.asOf);
  const leadSource = rng.pick(LEAD_SOURCES);
  const owner = account.owner;
  const sourceData =
    crm === 'hubspot'
      ? {
          id,
          properties: {
            hs_lead_name: `${f.first} ${f.last}`,
            email: f.email,
            jobtitle: f.title,
            company: f.company,
            industry: f.firmographics.industry,
            numberofemployees: String(f.firmographics.employee_count),
            country: f.firmographics.country,
            hs_lead_status: f.status,
            hs_analytics_source: leadSource,
            hubspot_owner_id: owner.hubspotOwnerId,
            createdate: iso(createdAt),
          },
        }
      : {
          attributes: { type: 'Lead' },
          Id: id,
          FirstName: f.first,
          LastName: f.last,
          Email: f.email,
          Title: f.title,
          Company: f.company,
          Industry: f.firmographics.industry,
          NumberOfEmployees: f.firmographics.employee_count,
          Country: f.firmographics.country,
          Status: f.status,
          LeadSource: leadSource,
          OwnerId: owner.salesforceUserId,
          IsConverted: f.convertedAt !== null,
          ConvertedDate: f.convertedAt ? iso(f.convertedAt).slice(0, 10) : null,
          CreatedDate: iso(createdAt),
        };
  plan.leads.push({
    row: {
      source: crm,
      source_id: id,
      source_data: sourceData,
      custom_fields: f.firmographics,
      source_created_at: iso(createdAt),
      source_updated_at: iso(f.convertedAt ?? createdAt),
      first_name: f.first,
      last_name: f.last,
      email: f.email,
      phone: null,
      title: f.title,
      company: f.company,
      status: f.status,
      lead_source: leadSource,
      owner_email: owner.email,
      is_converted: f.convertedAt !== null,
      converted_at: f.convertedAt ? iso(f.convertedAt) : null,
    },
    refs: f.refs,
  });
}
