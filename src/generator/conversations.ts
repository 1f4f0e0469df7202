import type { TeamMember } from './team.ts';
import {
  type AccountModel,
  type ChunkPlan,
  DAY_MS,
  type DealModel,
  type WorldContext,
  between,
  iso,
  nextNumber,
} from './world-model.ts';
import { FIRST_NAMES, FREE_MAIL_DOMAINS, LAST_NAMES } from './vocabulary.ts';
import { personEmail } from './naming.ts';
import { type MeetingSpec, type Person, firefliesTranscript, gongCall } from './recorder-payloads.ts';
import { type PlannedCall, contextDealId, shapeAttendees } from './linker-cases.ts';
import type { TruthRecord } from './world-model.ts';
import { type PlantedFact, generateTranscript } from './transcripts.ts';

const GONG_SHARE = 0.6;
const COVERING_ORGANIZER_SHARE = 0.08;
const NO_EMAIL_SHARE = 0.07;
const FREE_MAIL_GUEST_SHARE = 0.05;
const CALL_TITLES = ['Discovery', 'Demo', 'Technical deep dive', 'Pricing review', 'Negotiation', 'Check-in'];
const GENERIC_TITLES = ['Follow-up call', 'Quick sync', 'Catch up', 'Zoom meeting'];

function member(m: TeamMember): Person {
  return { name: m.name, email: m.email, internal: true, gongUserId: m.gongUserId };
}

function externalTitle(ctx: WorldContext, accountName: string, stageIndex: number): string {
  const { rng, team } = ctx;
  // A fifth of calendar titles name no company at all: the linker must rely on the attendees.
  if (rng.chance(0.2)) return rng.pick(GENERIC_TITLES);
  const topic = CALL_TITLES[Math.min(CALL_TITLES.length - 1, stageIndex)]!;
  return rng.chance(0.5)
    ? `${accountName} <> ${team.companyName}: ${topic}`
    : `${team.companyName} | ${accountName} - ${topic}`;
}

function maybeFreeMailGuest(ctx: WorldContext, people: Person[]): void {
  if (!ctx.rng.chance(FREE_MAIL_GUEST_SHARE)) return;
  const first = ctx.rng.pick(FIRST_NAMES);
  const last = ctx.rng.pick(LAST_NAMES);
  const n = nextNumber(ctx, 'free-mail-guest');
  people.push({
    name: `${first} ${last}`,
    email: personEmail(first, last, ctx.rng.pick(FREE_MAIL_DOMAINS), `.${n}`),
    internal: false,
  });
}

/** A deal's recorded calls; `earlier` are the account's deals generated before it (for stale contexts). */
export function generateDealConversations(
  ctx: WorldContext,
  plan: ChunkPlan,
  deal: DealModel,
  earlier: readonly DealModel[],
): PlannedCall[] {
  const { rng, team } = ctx;
  const count = deal.depth <= 1 ? rng.int(0, 1) : rng.int(1, Math.min(5, deal.depth));
  const crm = deal.account.crm;
  const calls: PlannedCall[] = [];
  for (let i = 0; i < count; i++) {
    const people: Person[] = [member(deal.owner)];
    if (rng.chance(0.3)) people.push(member(rng.pick(team.salesSupport)));
    const attendees = shapeAttendees(
      ctx,
      deal.account,
      rng.sample(deal.contacts, rng.int(1, 3)),
      deal.contacts,
    );
    people.push(...attendees.external);
    maybeFreeMailGuest(ctx, people);
    const span = Math.max(DAY_MS, deal.endAt - deal.createdAt);
    const c = rng.next();
    const title = externalTitle(
      ctx,
      deal.account.name,
      Math.floor((i * CALL_TITLES.length) / Math.max(1, count)),
    );
    const startedAt = between(
      ctx,
      deal.createdAt + (span * i) / count,
      deal.createdAt + (span * (i + 1)) / count,
    );
    const context = c < 0.45 ? contextDealId(ctx, deal, earlier, startedAt) : null;
    // No draw: the transcript's own stream is separate, so the world is the same with or without it.
    const otherDeal = earlier.find((d) => d.createdAt <= startedAt && d.endAt > startedAt);
    if (context?.stale) attendees.classes.push('stale_crm_context');
    // Now and then another rep books the call (covering, or an SDR's hand-over): the owner still attends.
    const organizer = ctx.cases.chance(COVERING_ORGANIZER_SHARE)
      ? member(ctx.cases.pick(team.reps))
      : people[0]!;
    if (organizer !== people[0] && !people.some((p) => p.email === organizer.email)) people.push(organizer);
    const truth = addConversation(ctx, plan, {
      title: attendees.title ?? title,
      startedAt,
      people,
      organizer,
      crm,
      context: context
        ? { dealId: context.dealId, accountId: deal.account.sourceId }
        : c < 0.55
          ? { dealId: null, accountId: deal.account.sourceId }
          : null,
      otherDealName: otherDeal?.name ?? null,
      truth: {
        kind: 'deal_call',
        is_internal: false,
        deal_source: crm,
        deal_source_id: deal.sourceId,
        account_source: crm,
        account_source_id: deal.account.sourceId,
        classes: attendees.classes,
      },
    });
    calls.push({ truth, startedAt, deal, contactIds: attendees.contactIds });
  }
  return calls;
}

/** Calls at an account that has no deal (yet): intro calls, check-ins with a customer. */
export function generateAccountConversations(
  ctx: WorldContext,
  plan: ChunkPlan,
  account: AccountModel,
): void {
  const { rng } = ctx;
  const count = rng.int(1, 2);
  for (let i = 0; i < count; i++) {
    const people: Person[] = [member(account.owner)];
    const attendees = shapeAttendees(
      ctx,
      account,
      rng.sample(account.contacts, rng.int(1, 2)),
      account.contacts,
    );
    people.push(...attendees.external);
    maybeFreeMailGuest(ctx, people);
    const title = rng.chance(0.2)
      ? rng.pick(GENERIC_TITLES)
      : `${account.name} <> ${ctx.team.companyName}: Intro`;
    addConversation(ctx, plan, {
      title: attendees.title ?? title,
      startedAt: between(ctx, account.createdAt, ctx.asOf),
      people,
      organizer: people[0]!,
      crm: account.crm,
      context: rng.chance(0.3) ? { dealId: null, accountId: account.sourceId } : null,
      truth: {
        kind: 'account_call',
        is_internal: false,
        deal_source: null,
        deal_source_id: null,
        account_source: account.crm,
        account_source_id: account.sourceId,
        classes: attendees.classes,
      },
    });
  }
}

/** An internal-only meeting: stand-ups, 1:1s, all-hands, retros, interview debriefs, forecast calls. */
export function generateInternalMeeting(ctx: WorldContext, plan: ChunkPlan): void {
  const { rng, team } = ctx;
  const managers = team.salesSupport.filter((m) => m.role === 'sales_manager');
  const manager = rng.pick(managers.length > 0 ? managers : team.salesSupport);
  const engineers = team.staff.filter((m) => m.role === 'engineering');
  const kind = rng.int(0, 5);
  let title: string;
  let attendees: TeamMember[];
  if (kind === 0) {
    title = 'Sales stand-up';
    attendees = [manager, ...rng.sample(team.reps, rng.int(3, 8))];
  } else if (kind === 1) {
    const rep = rng.pick(team.reps);
    title = `Weekly 1:1: ${manager.name.split(' ')[0]} / ${rep.name.split(' ')[0]}`;
    attendees = [manager, rep];
  } else if (kind === 2) {
    title = `${team.companyName} all-hands`;
    attendees = rng.sample([...team.staff, ...team.reps, ...team.salesSupport], rng.int(10, 25));
  } else if (kind === 3) {
    title = 'Sprint retro';
    attendees = rng.sample(engineers.length >= 2 ? engineers : team.staff, rng.int(2, 6));
  } else if (kind === 4) {
    title = `Interview debrief: ${rng.pick(['Senior Account Executive', 'SDR', 'Backend Engineer', 'Solutions Engineer'])}`;
    attendees = rng.sample([...team.staff, manager], rng.int(2, 4));
  } else {
    title = rng.pick(['Pipeline review', 'Forecast call', 'Deal desk']);
    attendees = [manager, ...rng.sample(team.reps, rng.int(2, 6))];
  }
  const people = attendees.map(member);
  addConversation(ctx, plan, {
    title,
    startedAt: between(ctx, ctx.asOf - 700 * DAY_MS, ctx.asOf),
    people,
    organizer: people[0]!,
    crm: null,
    context: null,
    truth: {
      kind: 'internal',
      is_internal: true,
      deal_source: null,
      deal_source_id: null,
      account_source: null,
      account_source_id: null,
      classes: [],
    },
  });
}

/**
 * An external call's transcript as a recorder's transcript endpoint gives it and getTranscript stores it
 * (segments with speaker ids and names, fetched once the call ended), with the deal facts planted in it.
 */
function callTranscript(
  ctx: WorldContext,
  key: string,
  callAt: number,
  fetchedAt: string,
  spec: MeetingSpec,
  participants: Array<{ name: string; speaker_id: string }>,
): { columns: Record<string, unknown>; facts: PlantedFact[] } | null {
  if (!ctx.transcripts || spec.truth.kind === 'internal') return null;
  const speaker = (i: number) => ({ name: participants[i]!.name, speakerId: participants[i]!.speaker_id });
  const buyers = spec.people.flatMap((p, i) => (p.internal ? [] : [speaker(i)]));
  if (buyers.length === 0) return null;
  const generated = generateTranscript({
    seed: ctx.seed,
    key,
    callAt,
    seller: speaker(0),
    buyers,
    otherDealName: spec.otherDealName ?? null,
  });
  return {
    columns: {
      transcript: { segments: generated.segments },
      transcript_status: 'fetched',
      transcript_fetched_at: fetchedAt,
    },
    facts: generated.facts,
  };
}

// With transcripts on, every row names the transcript columns (one batch's rows share its columns).
const NO_TRANSCRIPT = { transcript: null, transcript_status: 'not_fetched', transcript_fetched_at: null };

function addConversation(ctx: WorldContext, plan: ChunkPlan, spec: MeetingSpec): TruthRecord {
  const { rng, ids } = ctx;
  const gong = rng.chance(GONG_SHARE);
  const source = gong ? 'gong' : 'fireflies';
  const id = gong
    ? ids.gong(nextNumber(ctx, 'gong:call'))
    : ids.fireflies(nextNumber(ctx, 'fireflies:transcript'));
  const duration = rng.int(10, 60) * 60 + rng.int(0, 59);
  const startedAt = spec.startedAt - (spec.startedAt % 300_000); // meetings start on the five minutes
  const noEmails = rng.chance(NO_EMAIL_SHARE);
  const organizerEmail = noEmails && rng.chance(0.5) ? null : spec.organizer.email;
  const participants = spec.people.map((p, i) => ({
    name: p.name,
    email: noEmails ? null : p.email,
    affiliation: gong && !noEmails ? (p.internal ? 'internal' : 'external') : 'unknown',
    speaker_id: gong ? String(1_000_000 + i * 7 + (Number(id.slice(-6)) % 1000)) : String(i),
  }));
  const crmContext =
    gong && spec.context && spec.crm
      ? spec.crm === 'salesforce'
        ? { salesforce: { opportunity_id: spec.context.dealId, account_id: spec.context.accountId } }
        : { hubspot: { deal_id: spec.context.dealId, company_id: spec.context.accountId } }
      : {};
  const url = gong ? `https://app.gong.io/call?id=${id}` : `https://app.fireflies.ai/view/${id}`;
  const sourceData = gong
    ? gongCall(id, url, spec, participants, duration, startedAt, noEmails)
    : firefliesTranscript(id, url, spec, participants, duration, startedAt, organizerEmail);
  const endedAt = iso(startedAt + duration * 1000);
  const transcript = callTranscript(ctx, id, startedAt, endedAt, spec, participants);
  plan.conversations.push({
    row: {
      source,
      source_id: id,
      source_data: sourceData,
      custom_fields: {},
      source_created_at: endedAt,
      source_updated_at: endedAt,
      title: spec.title,
      started_at: iso(startedAt),
      duration_seconds: duration,
      organizer_email: organizerEmail,
      participants,
      source_url: url,
      crm_context: crmContext,
      topics: [],
      summary: null,
      action_items: [],
      is_tracked: true,
      ...(transcript?.columns ?? (ctx.transcripts ? NO_TRANSCRIPT : {})),
    },
    refs: [],
  });
  // Only Gong calls carry the recorder's CRM context.
  const classes = gong ? spec.truth.classes : spec.truth.classes.filter((c) => c !== 'stale_crm_context');
  const truth: TruthRecord = {
    source,
    source_id: id,
    ...spec.truth,
    classes,
    ...(transcript ? { facts: transcript.facts } : {}),
  };
  plan.truth.push(truth);
  return truth;
}
