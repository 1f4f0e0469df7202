/** Generates one account (a company in HubSpot or Salesforce) and the people the vendor knows there. */
import { drawAdditionalDomain, drawCompanyless, drawJobMover } from './linker-cases.ts';
import { companyIdentity, personEmail } from './naming.ts';
import type { Person } from './recorder-payloads.ts';
import {
  type AccountModel,
  type ChunkPlan,
  type ContactModel,
  DAY_MS,
  type WorldContext,
  between,
  iso,
  nextNumber,
  ref,
} from './world-model.ts';
import {
  FIRST_NAMES,
  FREE_MAIL_DOMAINS,
  INDUSTRIES,
  JOB_TITLES,
  JOB_TITLE_WEIGHTS,
  LAST_NAMES,
  PLACES,
} from './vocabulary.ts';

// Share of accounts in Salesforce; the rest live in HubSpot.
const SALESFORCE_SHARE = 0.4;
// Share of contacts known only by a personal address (a linker cannot match them by domain).
const FREE_MAIL_SHARE = 0.08;

export function generateAccount(
  ctx: WorldContext,
  plan: ChunkPlan,
  index: number,
  arrivingMover: Person | null,
): AccountModel {
  const { rng, ids, team, asOf } = ctx;
  const crm = rng.chance(SALESFORCE_SHARE) ? 'salesforce' : 'hubspot';
  const n = nextNumber(ctx, `${crm}:account`);
  const sourceId = crm === 'hubspot' ? ids.hubspot('company', n) : ids.salesforce('account', n);
  const { name, domain } = companyIdentity(ctx.seed, index);
  const additionalDomain = crm === 'hubspot' ? drawAdditionalDomain(ctx, domain) : null;
  const place = rng.pick(PLACES);
  const industry = rng.pick(INDUSTRIES);
  const employees = Math.max(5, Math.round(Math.exp(5 + 1.6 * rng.normal())));
  const revenue = Math.round((employees * rng.real(60_000, 300_000)) / 1000) * 1000;
  const owner = rng.pick(team.reps);
  const createdAt = between(ctx, asOf - 1100 * DAY_MS, asOf - 60 * DAY_MS);
  const updatedAt = between(ctx, createdAt, asOf);
  const tier = employees > 2000 ? 'Tier 1' : employees > 300 ? 'Tier 2' : 'Tier 3';

  const sourceData =
    crm === 'hubspot'
      ? {
          id: sourceId,
          properties: {
            name,
            domain,
            ...(additionalDomain ? { hs_additional_domains: additionalDomain } : {}),
            industry: industry.toUpperCase().replaceAll(' ', '_'),
            numberofemployees: String(employees),
            annualrevenue: String(revenue),
            city: place.city,
            country: place.country,
            hubspot_owner_id: owner.hubspotOwnerId,
            lifecyclestage: 'opportunity',
            account_tier: tier,
            createdate: iso(createdAt),
            hs_lastmodifieddate: iso(updatedAt),
          },
          createdAt: iso(createdAt),
          updatedAt: iso(updatedAt),
          archived: false,
        }
      : {
          attributes: { type: 'Account', url: `/services/data/v59.0/sobjects/Account/${sourceId}` },
          Id: sourceId,
          Name: name,
          Website: `https://www.${domain}`,
          Industry: industry,
          NumberOfEmployees: employees,
          AnnualRevenue: revenue,
          BillingCity: place.city,
          BillingCountry: place.country,
          OwnerId: owner.salesforceUserId,
          Type: 'Prospect',
          Account_Tier__c: tier,
          CreatedDate: iso(createdAt),
          LastModifiedDate: iso(updatedAt),
        };

  plan.accounts.push({
    row: {
      source: crm,
      source_id: sourceId,
      source_data: sourceData,
      custom_fields: crm === 'hubspot' ? { account_tier: tier } : { Account_Tier__c: tier },
      source_created_at: iso(createdAt),
      source_updated_at: iso(updatedAt),
      name,
      domain,
      additional_domains: additionalDomain ? [additionalDomain] : null,
      industry,
      employee_count: employees,
      annual_revenue: revenue,
      city: place.city,
      country: place.country,
      owner_email: owner.email,
    },
    refs: [],
  });

  const account: AccountModel = {
    crm,
    sourceId,
    name,
    domain,
    place,
    industry,
    employees,
    owner,
    createdAt,
    contacts: [],
    additionalDomain,
    arrivingMover,
    leavingMover: null,
  };
  const contactCount = Math.min(12, 2 + Math.floor(Math.log10(employees) * rng.real(0.5, 2)));
  const emails = new Set<string>();
  // Whose CRM record already carries the address at the next company (index + 1), if anyone's.
  const nextDomain = drawJobMover(ctx) ? companyIdentity(ctx.seed, index + 1).domain : null;
  for (let i = 0; i < contactCount; i++) {
    const contact = generateContact(ctx, plan, account, emails, account.leavingMover ? null : nextDomain);
    if (contact.movedTo) account.leavingMover = contact.movedTo;
    account.contacts.push(contact.model);
  }
  return account;
}

function generateContact(
  ctx: WorldContext,
  plan: ChunkPlan,
  account: AccountModel,
  emails: Set<string>,
  moveToDomain: string | null,
): { model: ContactModel; movedTo: Person | null } {
  const { rng, ids } = ctx;
  const crm = account.crm;
  const n = nextNumber(ctx, `${crm}:contact`);
  const sourceId = crm === 'hubspot' ? ids.hubspot('contact', n) : ids.salesforce('contact', n);
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const job = rng.weighted(JOB_TITLES, JOB_TITLE_WEIGHTS);
  // Personal addresses carry the contact number, which keeps them unique across the whole world.
  const freeMail = rng.chance(FREE_MAIL_SHARE);
  let email = freeMail
    ? personEmail(first, last, rng.pick(FREE_MAIL_DOMAINS), String(n))
    : personEmail(first, last, account.domain);
  for (let k = 2; emails.has(email); k++) email = personEmail(first, last, account.domain, String(k));
  emails.add(email);
  const companyless = !freeMail && drawCompanyless(ctx);
  // A job mover: calls here knew them by `email`; the CRM record now holds the new company's address
  // but still names this company.
  const movedTo =
    !freeMail && !companyless && moveToDomain
      ? { name: `${first} ${last}`, email: personEmail(first, last, moveToDomain, `.m${n}`), internal: false }
      : null;
  const crmEmail = movedTo?.email ?? email;
  const phone = rng.chance(0.7)
    ? `${account.place.phonePrefix} ${rng.int(200, 999)} ${rng.int(1000, 9999)}`
    : null;
  const createdAt = between(ctx, account.createdAt, ctx.asOf);
  const lifecycle = rng.pick([
    'lead',
    'marketingqualifiedlead',
    'salesqualifiedlead',
    'opportunity',
    'customer',
  ]);

  const sourceData =
    crm === 'hubspot'
      ? {
          id: sourceId,
          properties: {
            firstname: first,
            lastname: last,
            email: crmEmail,
            jobtitle: job.title,
            phone,
            company: companyless ? null : account.name,
            lifecyclestage: lifecycle,
            hubspot_owner_id: account.owner.hubspotOwnerId,
            associatedcompanyid: companyless ? null : account.sourceId,
            createdate: iso(createdAt),
          },
          createdAt: iso(createdAt),
          updatedAt: iso(createdAt),
          archived: false,
        }
      : {
          attributes: { type: 'Contact', url: `/services/data/v59.0/sobjects/Contact/${sourceId}` },
          Id: sourceId,
          FirstName: first,
          LastName: last,
          Email: crmEmail,
          Title: job.title,
          Department: job.department,
          Phone: phone,
          AccountId: companyless ? null : account.sourceId,
          OwnerId: account.owner.salesforceUserId,
          CreatedDate: iso(createdAt),
        };

  plan.contacts.push({
    row: {
      source: crm,
      source_id: sourceId,
      source_data: sourceData,
      custom_fields: {},
      source_created_at: iso(createdAt),
      source_updated_at: iso(createdAt),
      first_name: first,
      last_name: last,
      email: crmEmail,
      phone,
      title: job.title,
      seniority: job.seniority,
      department: job.department,
      lifecycle_stage: lifecycle,
      owner_email: account.owner.email,
    },
    refs: companyless ? [] : [ref('account_id', 'accounts', crm, account.sourceId)],
  });
  return {
    model: {
      sourceId,
      first,
      last,
      email,
      title: job.title,
      seniority: job.seniority,
      phone,
      freeMail,
      companyless,
    },
    movedTo,
  };
}
