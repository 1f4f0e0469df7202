/**
 * The shapes the generator passes between its parts: the world context (seeded stream, ids, team,
 * clock), row drafts whose foreign keys are still source ids, and one chunk's plan of drafts.
 */
import type { UpsertRow } from '../db/bulk-upsert.ts';
import type { LinkerCase } from './linker-cases.ts';
import type { Rng } from './prng.ts';
import type { Person } from './recorder-payloads.ts';
import type { SourceIds } from './source-ids.ts';
import type { Crm } from './stages.ts';
import type { Team, TeamMember } from './team.ts';
import type { PlantedFact } from './transcripts.ts';
import type { Place } from './vocabulary.ts';

export const DAY_MS = 86_400_000;

export interface WorldContext {
  seed: number;
  rng: Rng;
  /** The linker's hard cases draw from their own stream (see linker-cases.ts). */
  cases: Rng;
  ids: SourceIds;
  team: Team;
  /** The world's "now" in epoch ms: fixed, so re-running on another day writes the same rows. */
  asOf: number;
  counters: Map<string, number>;
  /** Whether external calls carry a transcript with planted deal facts (stored as a fetched transcript). */
  transcripts: boolean;
}

/** The next value of a per-kind counter (1-based): the input of every source id. */
export function nextNumber(ctx: WorldContext, kind: string): number {
  const n = (ctx.counters.get(kind) ?? 0) + 1;
  ctx.counters.set(kind, n);
  return n;
}

export type RefEntity = 'accounts' | 'contacts' | 'deals';

/** A foreign key still named by source id; the writer swaps in the uuid once the target is written. */
export interface Ref {
  column: string;
  entity: RefEntity;
  source: string;
  sourceId: string;
}

export interface Draft {
  row: UpsertRow;
  refs: Ref[];
}

export interface TruthRecord {
  source: string;
  source_id: string;
  kind: 'deal_call' | 'account_call' | 'internal';
  is_internal: boolean;
  deal_source: string | null;
  deal_source_id: string | null;
  account_source: string | null;
  account_source_id: string | null;
  /** The hard cases this call belongs to (empty for a plain call). */
  classes: LinkerCase[];
  /** The deal facts planted in the call's transcript, when the world has transcripts. */
  facts?: PlantedFact[];
}

export const PLAN_TABLES = [
  'accounts',
  'contacts',
  'deals',
  'deal_contacts',
  'deal_stage_history',
  'activities',
  'calls',
  'tasks',
  'documents',
  'conversations',
  'leads',
] as const;
export type PlanTable = (typeof PLAN_TABLES)[number];

export type ChunkPlan = Record<PlanTable, Draft[]> & { truth: TruthRecord[]; deals_planned: number };

export function emptyPlan(): ChunkPlan {
  const plan = { truth: [], deals_planned: 0 } as unknown as ChunkPlan;
  for (const t of PLAN_TABLES) plan[t] = [];
  return plan;
}

export interface ContactModel {
  sourceId: string;
  first: string;
  last: string;
  email: string;
  title: string;
  seniority: string;
  phone: string | null;
  freeMail: boolean;
  /** The CRM associates this contact with no company. */
  companyless: boolean;
}

export interface AccountModel {
  crm: Crm;
  sourceId: string;
  name: string;
  domain: string;
  place: Place;
  industry: string;
  employees: number;
  owner: TeamMember;
  createdAt: number;
  contacts: ContactModel[];
  /** A second domain (HubSpot hs_additional_domains). */
  additionalDomain: string | null;
  /** A contact of the previous account who works here now; the CRM still associates them with that one. */
  arrivingMover: Person | null;
  /** This account's contact who moves to the next account, as they appear there. */
  leavingMover: Person | null;
}

export type Outcome = 'won' | 'lost' | 'open';

export interface DealModel {
  sourceId: string;
  name: string;
  account: AccountModel;
  owner: TeamMember;
  outcome: Outcome;
  createdAt: number;
  /** closed_at for closed deals, the world's "now" for open ones: activity happens before it. */
  endAt: number;
  /** How far the deal got: 0 = first open stage. Drives how much activity it has. */
  depth: number;
  contacts: ContactModel[];
}

// Formatting timestamps was the generator's hottest spot (a Date per call): the day part is cached
// (a world spans a few thousand days) and the time part is assembled from two-digit strings.
const dayText = new Map<number, string>();
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

function dayOf(day: number): string {
  let text = dayText.get(day);
  if (text === undefined) {
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dayText.set(day, text);
  }
  return text;
}

/** Same output as `new Date(ms).toISOString()` for the years the world spans. */
export function iso(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  const rem = ms - day * DAY_MS;
  const millis = rem % 1000;
  return (
    `${dayOf(day)}T${TWO_DIGITS[Math.floor(rem / 3_600_000)]}:${TWO_DIGITS[Math.floor(rem / 60_000) % 60]}:` +
    `${TWO_DIGITS[Math.floor(rem / 1000) % 60]}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`
  );
}

export function dateOnly(ms: number): string {
  return dayOf(Math.floor(ms / DAY_MS));
}

/** A time uniformly between `from` and `to`, rounded to the minute (CRMs rarely store seconds). */
export function between(ctx: WorldContext, from: number, to: number): number {
  const t = from + ctx.rng.next() * Math.max(0, to - from);
  return Math.floor(t / 60_000) * 60_000;
}

export function ref(column: string, entity: RefEntity, source: string, sourceId: string): Ref {
  return { column, entity, source, sourceId };
}
