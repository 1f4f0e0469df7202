/**
 * Conversations without deals: external calls linked to an account but to no deal, scored by severity
 * and given the likeliest cause (with the rule that fired), listed with keyset pagination and summarised
 * for the data-quality audit.
 */
import { z } from 'zod';
import type { Queryable, SqlParam } from '../db/db.ts';
import { PAGE_SIZE } from '../db/list-query.ts';
import { ValidationError } from '../errors.ts';
import { isoDateTime } from '../validation/input-values.ts';
import { type DealCandidate, liveDealCandidates } from './deal-liveness.ts';
import { SENIORITY_RANKS, participantFactsSql } from './call-facts.ts';
import {
  LIKELY_CAUSE,
  type LIKELY_CAUSES,
  SEVERITIES,
  WITHOUT_DEAL,
  causeSql,
  prepareScoring,
  severityPointsSql,
  severitySql,
} from './cwd-scoring.ts';
import { repAttributionSql, repNameSql } from './rep-attribution.ts';

// Whitelisted sorts: the key columns (all non-null in the scored set) and their direction.
const SORTS = {
  '-started_at': { keys: ['sort_ts'], desc: true },
  started_at: { keys: ['sort_ts'], desc: false },
  '-severity': { keys: ['severity_rank', 'sort_ts'], desc: true },
  '-duration': { keys: ['sort_duration', 'sort_ts'], desc: true },
} as const;
export type CwdSort = keyof typeof SORTS;
export const CWD_SORTS = Object.keys(SORTS) as CwdSort[];

export interface CwdQuery {
  severity?: (typeof SEVERITIES)[number][];
  likely_cause?: (typeof LIKELY_CAUSES)[number][];
  rep_email?: string;
  account_id?: string;
  since?: string;
  until?: string;
  as_of?: string;
  sort: CwdSort;
  limit: number;
  cursor?: string;
}

// The open deals of a candidate call's account (alias c), off deals_open_by_account.
const OPEN_DEALS_AT_ACCOUNT = /* sql */ `deals d
  WHERE d.workspace_id = $1::uuid AND d.account_id = c.account_id AND NOT d.is_closed AND d.deleted_at IS NULL`;

/**
 * The participant facts of call cc ($2 internal domains): the row the last linker run stored
 * (call-facts.ts) while it matches the current internal domains; a call without one is probed as the
 * linker would. Columns: f.* and probe.(rep_email, n_external, top_seniority); read them through
 * FACT_COLUMNS.
 */
const CALL_FACTS_JOIN = /* sql */ `
            LEFT JOIN conversation_call_facts f
                   ON f.workspace_id = $1::uuid AND f.conversation_id = cc.id AND f.domains = $2::text[]
            -- A call without stored facts is read again by id for its participants, so the calls themselves
            -- can come off conversations_without_deal_scoring alone (no participants there).
            LEFT JOIN LATERAL (
              SELECT rep.rep_email, px.n_external, px.top_seniority
                FROM conversations c
               CROSS JOIN LATERAL ${repAttributionSql('$2::text[]')} AS rep
               CROSS JOIN LATERAL ${participantFactsSql('$1::uuid', '$2::text[]')} AS px
               WHERE f.conversation_id IS NULL AND c.workspace_id = $1::uuid AND c.id = cc.id
              -- Kept a subquery, so the outer condition on f gates it once per call (a one-time filter);
              -- flattened, it became a join filter checked after every call's probes had run.
              OFFSET 0
            ) AS probe ON TRUE`;
const FACT_COLUMNS = {
  rep_email: 'CASE WHEN f.conversation_id IS NULL THEN probe.rep_email ELSE f.rep_email END',
  external_participants: 'coalesce(f.external_participants, probe.n_external, 0)',
  seniority_rank: 'coalesce(f.top_seniority, probe.top_seniority, 0)',
};

/**
 * The conversations without a deal that a request scores ($1 workspace, $2 internal domains, $3 as of):
 * all of them, or, when no filter or sort needs the account's open deals, only the page asked for (the
 * caller appends the conditions, order and limit to `cand`). Each candidate's account is then read by
 * index probes of its own, so the cost grows with the candidates whatever the planner's statistics say
 * (joins between aggregated sets were planned as nested loops on a never-analysed database and went
 * quadratic).
 */
function scoredSql(page = ''): string {
  return /* sql */ `
  cand AS MATERIALIZED (
    SELECT * FROM (
      SELECT c.*, pts.severity_points, ${severitySql('pts.severity_points')}
        FROM (
          SELECT cc.id, cc.started_at, cc.duration_seconds, cc.account_id,
                 cc.title, cc.contact_id, cc.link_method, cc.source, cc.source_url, cc.participants,
                 ${FACT_COLUMNS.rep_email} AS rep_email,
                 ${FACT_COLUMNS.external_participants} AS external_participants,
                 ${FACT_COLUMNS.seniority_rank} AS seniority_rank,
                 -- In float8, not numeric (extract's type): the scoring below reads both several times per
                 -- call, and numeric arithmetic was slow over many calls.
                 floor(date_part('epoch', $3::timestamptz - cc.started_at) / 86400)::int AS days_ago,
                 coalesce(cc.duration_seconds, 0) / 60::float8 AS minutes,
                 coalesce(cc.started_at, 'epoch'::timestamptz) AS sort_ts,
                 coalesce(cc.duration_seconds, 0) AS sort_duration
            FROM conversations cc
            ${CALL_FACTS_JOIN}
           WHERE ${WITHOUT_DEAL}
        ) AS c
        CROSS JOIN LATERAL (SELECT ${severityPointsSql('c')} AS severity_points) AS pts
    ) AS c ${page}
  ),
  base AS (
    SELECT c.*, od.n AS open_deals_at_account, od.n > 0 AS has_open_deals, a.name AS account_name,
           a.domain AS account_domain, ac.n AS total_contacts_at_account, ${repNameSql()} AS rep_name
      FROM cand c
      CROSS JOIN LATERAL (SELECT count(*)::int AS n FROM ${OPEN_DEALS_AT_ACCOUNT}) AS od
      JOIN accounts a ON a.workspace_id = $1::uuid AND a.id = c.account_id
      CROSS JOIN LATERAL (SELECT c.rep_email) AS rep
      CROSS JOIN LATERAL (
        SELECT count(*)::int AS n FROM contacts ct WHERE ct.workspace_id = $1::uuid AND ct.account_id = c.account_id
      ) AS ac
  ),
  scored AS (
    SELECT b.*, cause.cause_rule, ${LIKELY_CAUSE}
      FROM base b
      CROSS JOIN LATERAL (${causeSql('b')}) AS cause
  )`;
}

// What a page selects of the scored calls: what an item shows and the cursor's keys, not the participants
// the scoring read (written and decoded, they made the page's statement 2.4 ms instead of 1.9).
const ROW_COLUMNS = /* sql */ `id, title, started_at, duration_seconds, account_id, account_name, account_domain,
  contact_id, link_method, source, source_url, rep_email, rep_name, external_participants, seniority_rank,
  open_deals_at_account, total_contacts_at_account, days_ago, severity, severity_points, severity_rank,
  likely_cause, cause_rule, sort_ts, sort_duration`;

interface CwdRow {
  id: string;
  title: string | null;
  started_at: Date | null;
  duration_seconds: number | null;
  account_id: string;
  account_name: string | null;
  account_domain: string | null;
  contact_id: string | null;
  link_method: string | null;
  source: string;
  source_url: string | null;
  rep_email: string | null;
  rep_name: string | null;
  external_participants: number;
  seniority_rank: number;
  open_deals_at_account: number;
  total_contacts_at_account: number;
  days_ago: number | null;
  severity: string;
  severity_points: number;
  severity_rank: number;
  likely_cause: string;
  cause_rule: string;
  sort_ts: Date;
  sort_duration: number;
}

function toItem(r: CwdRow, candidates: DealCandidate[]) {
  return {
    conversation_id: r.id,
    title: r.title,
    started_at: r.started_at?.toISOString() ?? null,
    duration_seconds: r.duration_seconds,
    source: r.source,
    source_url: r.source_url,
    account: { id: r.account_id, name: r.account_name, domain: r.account_domain },
    contact_id: r.contact_id,
    link_method: r.link_method,
    external_participants: Number(r.external_participants),
    top_seniority: SENIORITY_RANKS[Number(r.seniority_rank)] ?? 'none',
    open_deals_at_account: Number(r.open_deals_at_account),
    total_contacts_at_account: Number(r.total_contacts_at_account),
    rep: r.rep_email ? { email: r.rep_email, name: r.rep_name } : null,
    days_ago: r.days_ago === null ? null : Number(r.days_ago),
    severity: r.severity,
    severity_points: Number(r.severity_points),
    likely_cause: r.likely_cause,
    cause_rule: r.cause_rule,
    // Several deals were live at the call and the linker found nothing telling them apart.
    ambiguous: candidates.length > 1,
    deal_candidates: candidates,
  };
}
export type CwdItem = ReturnType<typeof toItem>;

const cursorSchema = z
  .object({ s: z.string(), v: z.array(z.string()).max(3), i: z.string().uuid() })
  .strict();

// Each sort key's value as the cursor carries it, checked before it is cast in SQL.
const KEY_VALUE: Record<string, z.ZodType<string>> = {
  sort_ts: isoDateTime,
  severity_rank: z.string().regex(/^-?\d{1,9}$/),
  sort_duration: z.string().regex(/^-?\d{1,9}$/),
};

function decodeCursor(raw: string, sort: CwdSort): { values: string[]; id: string } {
  let parsed: z.infer<typeof cursorSchema> | undefined;
  try {
    const json: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    const result = cursorSchema.safeParse(json);
    if (result.success) parsed = result.data;
  } catch {
    parsed = undefined;
  }
  const keys = SORTS[sort].keys;
  if (
    !parsed ||
    parsed.s !== sort ||
    parsed.v.length !== keys.length ||
    !keys.every((k, i) => KEY_VALUE[k]!.safeParse(parsed.v[i]).success)
  )
    throw new ValidationError('invalid query: cursor: malformed or made for another sort');
  return { values: parsed.v, id: parsed.i };
}

function cursorValue(r: CwdRow, key: string): string {
  if (key === 'sort_ts') return r.sort_ts.toISOString();
  return String(r[key as keyof CwdRow]);
}

const KEY_CAST: Record<string, string> = {
  sort_ts: 'timestamptz',
  severity_rank: 'int',
  sort_duration: 'int',
};

/** The day after an ISO date (YYYY-MM-DD). */
const dayAfter = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

const whereAll = (conditions: string[]) => (conditions.length ? `WHERE ${conditions.join(' AND ')}` : '');

/** The page asked for, in the sort's order, the page picked before the accounts are read. */
const pageFirstSql = (conditions: string[], order: string, limit: string) => /* sql */ `
  WITH ${scoredSql(`${whereAll(conditions)} ORDER BY ${order} ${limit}`)}
  SELECT ${ROW_COLUMNS} FROM scored ORDER BY ${order}`;

/**
 * The most severe first, without scoring every call: one statement per severity from the cursor's down,
 * each walking that severity's calls newest first (conversations_without_deal_by_start) until the page
 * is full. `own` holds the request's conditions but the cursor, whose parameters it already bound.
 */
async function pageBySeverity(
  q: Queryable,
  params: SqlParam[],
  own: string[],
  wanted: number,
  severities: readonly string[] | undefined,
  cursor: { values: string[]; id: string } | undefined,
): Promise<CwdRow[]> {
  const rows: CwdRow[] = [];
  for (const [i, severity] of SEVERITIES.entries()) {
    const rank = SEVERITIES.length - i;
    if ((cursor && rank > Number(cursor.values[0])) || (severities?.length && !severities.includes(severity)))
      continue;
    const values = [...params];
    const conditions = [...own, `severity_rank = ${rank}`];
    if (cursor && rank === Number(cursor.values[0])) {
      values.push(cursor.values[1]!, cursor.id);
      conditions.push(`(sort_ts, id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
    }
    values.push(wanted - rows.length);
    const sql = pageFirstSql(conditions, 'sort_ts DESC, id DESC', `LIMIT $${values.length}::int`);
    rows.push(...(await q.query<CwdRow>(sql, values)).rows);
    if (rows.length >= wanted) break;
  }
  return rows;
}

export async function listConversationsWithoutDeals(q: Queryable, workspaceId: string, query: CwdQuery) {
  const domains = await prepareScoring(q, workspaceId);
  const params: SqlParam[] = [workspaceId, domains, query.as_of ?? new Date().toISOString()];
  const own: string[] = []; // conditions on the call's own columns and its severity
  const scoredOnly: string[] = []; // conditions on what its account adds (the likely cause)
  const add = (v: SqlParam) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (query.severity?.length) own.push(`severity = ANY(${add(query.severity)}::text[])`);
  if (query.likely_cause?.length) scoredOnly.push(`likely_cause = ANY(${add(query.likely_cause)}::text[])`);
  if (query.rep_email) own.push(`rep_email = lower(${add(query.rep_email)}::text)`);
  if (query.account_id) own.push(`account_id = ${add(query.account_id)}::uuid`);
  // The bounds as timestamptz parameters (midnight where the session's time zone says, as a date would
  // compare): under row-level security only leakproof comparisons become index conditions, and neither a
  // timestamptz-to-date comparison nor the sort key's coalesce is one. So a bounded list reads its range off
  // conversations_without_deal instead of walking every newer call.
  if (query.since) own.push(`started_at >= ${add(query.since)}::timestamptz`);
  if (query.until) own.push(`started_at < ${add(dayAfter(query.until))}::timestamptz`);
  const sort = SORTS[query.sort];
  const keys: readonly string[] = sort.keys;
  const cursor = query.cursor ? decodeCursor(query.cursor, query.sort) : undefined;
  // Nothing about the account decides which rows are on the page: pick the page, then read those rows'
  // accounts.
  const pageFirst = scoredOnly.length === 0;
  let rows: CwdRow[];
  if (pageFirst && query.sort === '-severity') {
    rows = await pageBySeverity(q, params, own, query.limit + 1, query.severity, cursor);
  } else {
    if (cursor) {
      const left = [...keys, 'id'].join(', ');
      const right = [
        ...keys.map((k, i) => `${add(cursor.values[i]!)}::${KEY_CAST[k]}`),
        `${add(cursor.id)}::uuid`,
      ];
      own.push(`(${left}) ${sort.desc ? '<' : '>'} (${right.join(', ')})`);
    }
    const order = [...keys, 'id'].map((k) => `${k} ${sort.desc ? 'DESC' : 'ASC'}`).join(', ');
    // In the text (see PAGE_SIZE): as a parameter it kept the statement from a generic plan (8.5 → 5.2 ms).
    const limit = `LIMIT ${PAGE_SIZE(query.limit + 1)}`;
    const sql = pageFirst
      ? pageFirstSql(own, order, limit)
      : /* sql */ `WITH ${scoredSql(whereAll(own))}
          SELECT ${ROW_COLUMNS} FROM scored ${whereAll(scoredOnly)} ORDER BY ${order} ${limit}`;
    rows = (await q.query<CwdRow>(sql, params)).rows;
  }
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  const next =
    rows.length > query.limit && last
      ? Buffer.from(
          JSON.stringify({ s: query.sort, v: sort.keys.map((k) => cursorValue(last, k)), i: last.id }),
        ).toString('base64url')
      : null;
  const candidates = await liveDealCandidates(
    q,
    workspaceId,
    page.map((r) => r.id),
  );
  return { data: page.map((r) => toItem(r, candidates.get(r.id) ?? [])), next_cursor: next };
}
