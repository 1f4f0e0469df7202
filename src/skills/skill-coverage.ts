/**
 * What a skill could not count and why: deals with no close date, no amount, no owner or no exchange
 * rate, conversations linked to no deal. Every skill result carries its coverage; the material gaps are
 * also named in the headline, so a figure is never read as complete when it is not.
 */
import type { Queryable } from '../db/db.ts';
import { ownerSql } from '../entities/record-owner.ts';

export type CoverageReason =
  | 'no_close_date'
  | 'no_amount'
  | 'no_owner'
  | 'no_rate'
  | 'unlinked_calls'
  | 'no_outcome'
  | 'too_little_data'
  | 'no_activity_data'
  | 'no_contact_data';

export interface CoverageGap {
  reason: CoverageReason;
  /** Records affected, out of `of`. */
  count: number;
  of: number;
  /** What happened to them, e.g. "left out of the period roll-up". */
  effect: string;
  /** Large enough to change the reading of the result (named in the headline). */
  material: boolean;
  /** What `count` and `of` count, when not the population (e.g. "external conversations"). */
  subject?: string;
}

export interface Coverage {
  /** What the skill counted, e.g. {what: "open deals", count: 898}. */
  population: { what: string; count: number };
  gaps: CoverageGap[];
}

// A gap is material from 5% of the population, or whenever it leaves nothing counted.
const MATERIAL_SHARE = 0.05;

const NOUN: Record<CoverageReason, string> = {
  no_close_date: 'no close date',
  no_amount: 'no amount',
  no_owner: 'no owner',
  no_rate: 'no exchange rate',
  unlinked_calls: 'linked to no deal',
  no_outcome: 'no outcome yet',
  too_little_data: 'too little data',
  no_activity_data: 'no activity recorded in the workspace',
  no_contact_data: 'no deal contacts in the workspace',
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const SHORT: Record<CoverageReason, (n: number) => string> = {
  no_close_date: (n) => `${n} without close date`,
  no_amount: (n) => `${n} without amount`,
  no_owner: (n) => `${n} without owner`,
  no_rate: (n) => `${n} without exchange rate`,
  unlinked_calls: (n) => plural(n, 'unlinked call'),
  no_outcome: (n) => `${n} still open`,
  too_little_data: (n) => plural(n, 'field') + ' with too little data',
  no_activity_data: (n) => `staleness of ${n} not judged (no activity data)`,
  no_contact_data: (n) => `threading of ${n} not judged (no deal contacts)`,
};

export function gap(
  reason: CoverageReason,
  count: number,
  of: number,
  effect: string,
  opts: { material?: boolean; subject?: string } = {},
): CoverageGap {
  return {
    reason,
    count,
    of,
    effect,
    material: opts.material ?? (count > 0 && (of === 0 || count / of >= MATERIAL_SHARE)),
    ...(opts.subject ? { subject: opts.subject } : {}),
  };
}

export function coverage(population: Coverage['population'], gaps: CoverageGap[]): Coverage {
  return { population, gaps: gaps.filter((g) => g.count > 0) };
}

/** "312 of 898 open deals (no close date): in no period, left out of the roll-up". */
export function describeGap(g: CoverageGap, what: string): string {
  return `${g.count} of ${g.of} ${g.subject ?? what} (${NOUN[g.reason]}): ${g.effect}`;
}

/** The headline's coverage clause, or '' when nothing material is missing. */
export function coverageNote(c: Coverage | undefined): string {
  const material = c?.gaps.filter((g) => g.material) ?? [];
  if (!c || material.length === 0) return '';
  return `not counted: ${material.map((g) => SHORT[g.reason](g.count)).join(', ')}`;
}

/** Appends the coverage clause to a headline that does not already carry it. */
export function withCoverageNote(headline: string, c: Coverage | undefined): string {
  const note = coverageNote(c);
  if (!note || headline.includes(note)) return headline;
  return `${headline} · ${note}`.slice(0, 300);
}

export interface DealGaps {
  deals: number;
  no_close_date: number;
  no_amount: number;
  no_owner: number;
  no_rate: number;
  /** Currencies of the deals with no rate, most deals first. */
  no_rate_currencies: string[];
}

/**
 * Counts of the deals matching `where` (a fixed SQL condition on deals `d`, whose values are `params`
 * as $2, $3, …) that lack each input.
 */
export async function dealGaps(
  tx: Queryable,
  workspaceId: string,
  where: string,
  params: readonly string[] = [],
): Promise<DealGaps> {
  const { rows } = await tx.query<DealGaps>(
    /* sql */ `WITH d AS (
       SELECT d.close_date, d.amount, d.amount_base, ${ownerSql('d.')} AS owner, d.currency FROM deals d
       WHERE d.workspace_id = $1::uuid AND d.deleted_at IS NULL AND ${where})
     SELECT count(*)::int AS deals,
       count(*) FILTER (WHERE close_date IS NULL)::int AS no_close_date,
       count(*) FILTER (WHERE amount IS NULL OR amount = 0)::int AS no_amount,
       count(*) FILTER (WHERE owner IS NULL)::int AS no_owner,
       count(*) FILTER (WHERE amount IS NOT NULL AND amount_base IS NULL)::int AS no_rate,
       coalesce((SELECT array_agg(c ORDER BY n DESC, c) FROM (
         SELECT upper(btrim(currency)) AS c, count(*) AS n FROM d
         WHERE amount IS NOT NULL AND amount_base IS NULL GROUP BY 1) cur), '{}') AS no_rate_currencies
     FROM d`,
    [workspaceId, ...params],
  );
  return rows[0]!;
}

/** External conversations (not internal, tracked) linked to no deal: signals the deal rules never saw. */
export async function unlinkedCallCount(
  tx: Queryable,
  workspaceId: string,
): Promise<{ total: number; unlinked: number }> {
  const { rows } = await tx.query<{ total: number; unlinked: number }>(
    /* sql */ `SELECT count(*)::int AS total, count(*) FILTER (WHERE deal_id IS NULL)::int AS unlinked
     FROM conversations WHERE workspace_id = $1::uuid AND is_internal IS NOT TRUE AND is_tracked IS NOT FALSE`,
    [workspaceId],
  );
  return rows[0]!;
}
