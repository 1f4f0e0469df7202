/**
 * The cases that make linking hard, put into the world on purpose and named in the ground truth of the
 * calls they affect, so linker quality can be read per case. Their draws come from their own seeded
 * stream: the rest of the world is the same with or without them.
 */
import { FIRST_NAMES, LAST_NAMES } from './vocabulary.ts';
import { personEmail } from './naming.ts';
import type { Person } from './recorder-payloads.ts';
import type { AccountModel, DealModel, TruthRecord, WorldContext } from './world-model.ts';
import { nextNumber } from './world-model.ts';

export const LINKER_CASES = [
  /** The call's deal is won or lost today and no contact of that deal was on the call: only time decides. */
  'closed_since_call',
  /** Several of the account's deals were live at the call and one of its contacts is on more than one. */
  'shared_live_deals',
  /** The recorder's CRM context names an earlier deal of the account, closed long before the call. */
  'stale_crm_context',
  /** The only external attendees use the company's second domain (HubSpot `hs_additional_domains`). */
  'additional_domain',
  /** An attendee is a CRM contact associated with no company. */
  'companyless_contact',
  /** An attendee is a contact who moved here from another account, still associated with the old one. */
  'job_mover',
  /** A customer on a free-mail address in a meeting titled like an internal one ("… planning"). */
  'free_mail_internal_title',
] as const;
export type LinkerCase = (typeof LINKER_CASES)[number];

// HubSpot companies that list a second domain in hs_additional_domains.
const ADDITIONAL_DOMAIN_SHARE = 0.15;
// Contacts the CRM associates with no company (company-domain addresses only).
const COMPANYLESS_SHARE = 0.05;
// Accounts one of whose contacts moves on to the next account (the CRM keeps the old association).
const JOB_MOVER_SHARE = 0.08;
// Calls whose external attendees are colleagues the CRM does not know, on the company's domain(s).
const COLLEAGUES_ONLY_SHARE = 0.1;
// Calls with a free-mail contact alone, under a planning title.
const FREE_MAIL_PLANNING_SHARE = 0.06;
// Recorder CRM contexts left on an earlier, long-closed deal of the account.
const STALE_CONTEXT_SHARE = 0.3;
const STALE_AFTER_DAYS = 60;
const PLANNING_TITLES = ['Implementation planning', 'Q3 planning', 'Rollout planning session', 'Team sync'];

/** A second domain no company's primary domain can equal (those never contain a hyphen). */
export function drawAdditionalDomain(ctx: WorldContext, domain: string): string | null {
  if (!ctx.cases.chance(ADDITIONAL_DOMAIN_SHARE)) return null;
  const base = domain.slice(0, domain.lastIndexOf('.'));
  return `${base}-${ctx.cases.pick(['group', 'hq', 'global'])}.com`;
}

export const drawCompanyless = (ctx: WorldContext): boolean => ctx.cases.chance(COMPANYLESS_SHARE);
export const drawJobMover = (ctx: WorldContext): boolean => ctx.cases.chance(JOB_MOVER_SHARE);

export interface CallAttendees {
  external: Person[];
  /** Source ids of the CRM contacts among the external attendees. */
  contactIds: string[];
  title: string | null;
  classes: LinkerCase[];
}

/**
 * Reshapes one call's external attendees into a hard case now and then: colleagues unknown to the CRM,
 * a free-mail contact under a planning title, the contact who just moved here from another account.
 */
export function shapeAttendees(
  ctx: WorldContext,
  account: AccountModel,
  sampled: AccountModel['contacts'],
  dealContacts: AccountModel['contacts'],
): CallAttendees {
  const { cases } = ctx;
  const person = (c: AccountModel['contacts'][number]): Person => ({
    name: `${c.first} ${c.last}`,
    email: c.email,
    internal: false,
  });
  let out: CallAttendees = {
    external: sampled.map(person),
    contactIds: sampled.map((c) => c.sourceId),
    title: null,
    classes: [],
  };
  const u = cases.next();
  const freeMail = dealContacts.filter((c) => c.freeMail);
  if (u < COLLEAGUES_ONLY_SHARE) {
    const second = account.additionalDomain !== null && cases.chance(0.6);
    const domain = second ? account.additionalDomain! : account.domain;
    const external = Array.from({ length: cases.int(1, 2) }, () => {
      const first = cases.pick(FIRST_NAMES);
      const last = cases.pick(LAST_NAMES);
      const n = nextNumber(ctx, 'colleague');
      return { name: `${first} ${last}`, email: personEmail(first, last, domain, `.x${n}`), internal: false };
    });
    out = { external, contactIds: [], title: null, classes: second ? ['additional_domain'] : [] };
  } else if (u < COLLEAGUES_ONLY_SHARE + FREE_MAIL_PLANNING_SHARE && freeMail.length > 0) {
    const c = cases.pick(freeMail);
    out = {
      external: [person(c)],
      contactIds: [c.sourceId],
      title: cases.pick(PLANNING_TITLES),
      classes: ['free_mail_internal_title'],
    };
  }
  const mover = account.arrivingMover;
  if (mover && cases.chance(0.5)) {
    // First in the list, so a vote broken by attendee order leans to the old account.
    const alone = cases.chance(0.5);
    out.external = alone ? [mover] : [mover, ...out.external];
    if (alone) out.contactIds = [];
    out.classes.push('job_mover');
  }
  if (out.external.some((p) => companylessEmails(account).has(p.email)))
    out.classes.push('companyless_contact');
  return out;
}

function companylessEmails(account: AccountModel): Set<string> {
  return new Set(account.contacts.filter((c) => c.companyless).map((c) => c.email));
}

/** The deal id a recorder context carries: now and then an earlier deal of the account, closed long ago. */
export function contextDealId(
  ctx: WorldContext,
  deal: DealModel,
  earlier: readonly DealModel[],
  startedAt: number,
): { dealId: string; stale: boolean } {
  const stale = earlier.filter(
    (d) => d.outcome !== 'open' && d.endAt < startedAt - STALE_AFTER_DAYS * 86_400_000,
  );
  if (stale.length > 0 && ctx.cases.chance(STALE_CONTEXT_SHARE))
    return { dealId: ctx.cases.pick(stale).sourceId, stale: true };
  return { dealId: deal.sourceId, stale: false };
}

export interface PlannedCall {
  truth: TruthRecord;
  startedAt: number;
  deal: DealModel;
  contactIds: string[];
}

/**
 * Names the cases only the whole account shows: several deals live at the call sharing a contact on the
 * call, and calls on a deal closed since that carry none of its contacts.
 */
export function tagAccountCases(calls: readonly PlannedCall[], deals: readonly DealModel[]): void {
  const onDeals = (contactId: string, live: readonly DealModel[]) =>
    live.filter((d) => d.contacts.some((c) => c.sourceId === contactId)).length;
  for (const call of calls) {
    const classes = call.truth.classes;
    const live = deals.filter(
      (d) => d.createdAt <= call.startedAt && (d.outcome === 'open' || d.endAt >= call.startedAt),
    );
    if (live.length > 1 && call.contactIds.some((id) => onDeals(id, live) > 1))
      classes.push('shared_live_deals');
    const dealContacts = new Set(call.deal.contacts.map((c) => c.sourceId));
    if (call.deal.outcome !== 'open' && !call.contactIds.some((id) => dealContacts.has(id)))
      classes.push('closed_since_call');
  }
}
