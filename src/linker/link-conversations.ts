/**
 * The three-tier linker: conversation → contact → account → deal, in one set-based statement.
 * Tier 1 matches participant e-mails to contacts (then an account by company domain for participants with
 * no contact, never a free-mail domain); tier 2 follows the recorder's own CRM ids through source_id;
 * tier 3 infers the deal when the account has exactly one open deal whose dates fit. Every statement
 * reads external conversations only (is_internal = FALSE).
 */
import type { Queryable } from '../db/db.ts';
import { FREE_MAIL_DOMAINS } from './free-mail-domains.ts';

export const LINK_METHODS = [
  'email_match',
  'domain_match',
  'crm_native_id',
  'single_deal_inference',
  'manual',
] as const;
export type LinkMethod = (typeof LINK_METHODS)[number];
export type AutoLinkMethod = Exclude<LinkMethod, 'manual'>;

export interface LinkOptions {
  /** A call may come shortly before the deal is logged in the CRM. */
  slackBeforeDealDays?: number;
  /** …or shortly after a closed deal's close (the hand-over call). */
  slackAfterCloseDays?: number;
  /**
   * When several deals are equally supported by the contacts on the call, the one with the shortest life
   * around the call is the likeliest (a call is as likely any day of a deal's life); it wins only when the
   * runner-up's span is at least this many times longer. Infinity leaves such ties unlinked.
   */
  tieSpanRatio?: number;
}

export const DEFAULT_TIE_SPAN_RATIO = 2;

export interface LinkResult {
  /** Conversations whose links this run changed, by the link_method they now carry. */
  changed: Record<AutoLinkMethod, number>;
}

// A link's tier; a link is only replaced by one of the same or a higher tier (or one that only adds a deal).
const TIER_RANK = /* sql */ `CASE $M WHEN 'email_match' THEN 3 WHEN 'domain_match' THEN 3
  WHEN 'crm_native_id' THEN 2 WHEN 'single_deal_inference' THEN 1 ELSE 0 END`;
const rank = (expr: string) => TIER_RANK.replace('$M', expr);

// Whether a call at `started_at` fits a deal's life: from (shortly before) creation to (shortly after) close.
const FITS = /* sql */ `b.started_at >= coalesce(d.source_created_at, '-infinity'::timestamptz) - make_interval(days => $4::int)
  AND (NOT d.is_closed OR b.started_at <= coalesce(d.closed_at, d.close_date::timestamptz, 'infinity'::timestamptz)
                                           + make_interval(days => $5::int))`;
const FITS_STRICTLY = /* sql */ `b.started_at >= coalesce(d.source_created_at, '-infinity'::timestamptz)
  AND b.started_at <= coalesce(d.closed_at, 'infinity'::timestamptz)`;

/** The link every external conversation should carry, computed from the data alone (deterministic). */
export const DESIRED_LINKS_SQL = /* sql */ `
  conv AS MATERIALIZED (
    SELECT c.id, c.started_at, c.participants, c.crm_context
      FROM conversations c
     WHERE c.workspace_id = $1::uuid AND c.is_internal = FALSE
  ),
  ext AS MATERIALIZED (
    SELECT cv.id AS conversation_id, p.ord, x.email, split_part(x.email, '@', 2) AS domain
      FROM conv cv
      CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(cv.participants) = 'array'
                                                   THEN cv.participants ELSE '[]'::jsonb END)
                         WITH ORDINALITY AS p(elem, ord)
      CROSS JOIN LATERAL (SELECT lower(btrim(p.elem->>'email')) AS email) AS x
     WHERE jsonb_typeof(p.elem) = 'object' AND x.email LIKE '%_@_%'
       AND split_part(x.email, '@', 2) <> ALL($3::text[])
  ),
  contact_hits AS MATERIALIZED (
    SELECT DISTINCT ON (e.conversation_id, e.ord) e.conversation_id, e.ord, ct.id AS contact_id, ct.account_id
      FROM ext e
      JOIN contacts ct ON ct.workspace_id = $1::uuid AND lower(ct.email) = e.email AND ct.deleted_at IS NULL
     ORDER BY e.conversation_id, e.ord, (ct.account_id IS NULL), ct.id
  ),
  email_account AS (
    SELECT DISTINCT ON (conversation_id) conversation_id, account_id, contact_id
      FROM (SELECT h.*, count(*) OVER (PARTITION BY h.conversation_id, h.account_id) AS hits FROM contact_hits h) s
     ORDER BY conversation_id, (account_id IS NULL), hits DESC, ord, contact_id
  ),
  account_domains AS (
    SELECT DISTINCT ON (domain) domain, account_id
      FROM (SELECT lower(regexp_replace(btrim(a.domain), '^([a-z]+://)?(www\\.)?|[/:].*$', '', 'gi')) AS domain,
                   a.id AS account_id, a.source_created_at
              FROM accounts a WHERE a.workspace_id = $1::uuid AND a.domain IS NOT NULL AND a.deleted_at IS NULL) s
     WHERE domain <> '' AND domain <> ALL($2::text[])
     ORDER BY domain, source_created_at NULLS LAST, account_id
  ),
  domain_account AS (
    SELECT DISTINCT ON (conversation_id) conversation_id, account_id
      FROM (SELECT e.conversation_id, e.ord, ad.account_id,
                   count(*) OVER (PARTITION BY e.conversation_id, ad.account_id) AS hits
              FROM ext e
              JOIN account_domains ad ON ad.domain = e.domain
             WHERE e.domain <> ALL($2::text[])
               AND NOT EXISTS (SELECT 1 FROM contact_hits h
                                WHERE h.conversation_id = e.conversation_id AND h.ord = e.ord)) s
     ORDER BY conversation_id, hits DESC, ord, account_id
  ),
  crm_refs AS (
    SELECT cv.id AS conversation_id, lower(o->>'system') AS source,
           CASE lower(o->>'object_type') WHEN 'opportunity' THEN 'deal' WHEN 'deal' THEN 'deal'
                WHEN 'account' THEN 'account' WHEN 'company' THEN 'account' END AS kind,
           o->>'object_id' AS source_id
      FROM conv cv
      CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(cv.crm_context->'objects') = 'array'
                                                   THEN cv.crm_context->'objects' ELSE '[]'::jsonb END) AS o
     WHERE jsonb_typeof(o) = 'object'
    UNION ALL
    SELECT cv.id, lower(k.key), m.kind, k.value->>m.field
      FROM conv cv
      CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(cv.crm_context) = 'object'
                                         THEN cv.crm_context ELSE '{}'::jsonb END) AS k
      CROSS JOIN (VALUES ('deal', 'opportunity_id'), ('deal', 'deal_id'),
                         ('account', 'account_id'), ('account', 'company_id')) AS m(kind, field)
     WHERE jsonb_typeof(k.value) = 'object' AND k.value->>m.field IS NOT NULL
  ),
  crm_link AS (
    SELECT DISTINCT ON (r.conversation_id) r.conversation_id, d.id AS deal_id,
           coalesce(d.account_id, a.id) AS account_id
      FROM crm_refs r
      LEFT JOIN deals d ON r.kind = 'deal' AND d.workspace_id = $1::uuid
                       AND d.source = r.source AND d.source_id = r.source_id AND d.deleted_at IS NULL
      LEFT JOIN accounts a ON r.kind = 'account' AND a.workspace_id = $1::uuid
                          AND a.source = r.source AND a.source_id = r.source_id
     WHERE d.id IS NOT NULL OR a.id IS NOT NULL
     ORDER BY r.conversation_id, (d.id IS NULL), r.source, r.source_id
  ),
  base AS MATERIALIZED (
    SELECT cv.id, cv.started_at, ea.contact_id,
           coalesce(ea.account_id, da.account_id, cl.account_id) AS account_id,
           CASE WHEN ea.account_id IS NOT NULL THEN 'email_match'
                WHEN da.account_id IS NOT NULL THEN 'domain_match'
                WHEN cl.account_id IS NOT NULL THEN 'crm_native_id'
                WHEN ea.contact_id IS NOT NULL THEN 'email_match' END AS account_method,
           cl.deal_id AS crm_deal_id, cl.account_id AS crm_account_id
      FROM conv cv
      LEFT JOIN email_account ea ON ea.conversation_id = cv.id
      LEFT JOIN domain_account da ON da.conversation_id = cv.id
      LEFT JOIN crm_link cl ON cl.conversation_id = cv.id
  ),
  -- Tier 1 deal: the deal at the matched account whose contacts were on the call, when one deal stands out.
  email_deal_candidates AS (
    SELECT b.id AS conversation_id, d.id AS deal_id, count(DISTINCT h.contact_id) AS hits,
           bool_or(${FITS_STRICTLY}) AS strict_fit,
           max(extract(epoch FROM coalesce(d.closed_at, (SELECT max(started_at) FROM conv))
                                  - coalesce(d.source_created_at, '-infinity'::timestamptz))) AS span
      FROM base b
      JOIN contact_hits h ON h.conversation_id = b.id AND h.account_id = b.account_id
      JOIN deal_contacts dc ON dc.workspace_id = $1::uuid AND dc.contact_id = h.contact_id
      JOIN deals d ON d.workspace_id = $1::uuid AND d.id = dc.deal_id AND d.account_id = b.account_id
                   AND d.deleted_at IS NULL
     WHERE b.account_method = 'email_match' AND ${FITS}
     GROUP BY b.id, d.id
  ),
  email_deal AS (
    SELECT conversation_id, deal_id
      FROM (SELECT c.*,
                   row_number() OVER w AS pos,
                   lead(c.hits) OVER w AS next_hits, lead(c.strict_fit) OVER w AS next_strict,
                   lead(c.span) OVER w AS next_span
              FROM email_deal_candidates c
            WINDOW w AS (PARTITION BY c.conversation_id
                         ORDER BY c.hits DESC, c.strict_fit DESC, c.span ASC NULLS LAST, c.deal_id)) s
     WHERE pos = 1
       AND (next_hits IS NULL OR (next_hits, next_strict) IS DISTINCT FROM (hits, strict_fit)
            OR next_span >= span * $6::float8)
  ),
  -- Tier 2 deal: the recorder's CRM id, when it agrees with the account tier 1 found (or tier 1 found none).
  crm_deal AS (
    SELECT b.id AS conversation_id, b.crm_deal_id AS deal_id
      FROM base b
     WHERE b.crm_deal_id IS NOT NULL AND (b.account_id IS NOT DISTINCT FROM b.crm_account_id)
  ),
  -- Tier 3 deal: the account's only deal whose dates fit the call, if that deal is open.
  inferred_deal AS (
    SELECT b.id AS conversation_id, min(d.id::text)::uuid AS deal_id
      FROM base b
      JOIN deals d ON d.workspace_id = $1::uuid AND d.account_id = b.account_id AND d.deleted_at IS NULL
     WHERE b.account_id IS NOT NULL AND ${FITS}
     GROUP BY b.id
    HAVING count(*) = 1 AND bool_and(NOT d.is_closed)
  ),
  desired AS (
    SELECT b.id, b.contact_id, b.account_id,
           coalesce(t1.deal_id, t2.deal_id, t3.deal_id) AS deal_id,
           CASE WHEN t1.deal_id IS NOT NULL THEN 'email_match'
                WHEN t2.deal_id IS NOT NULL THEN 'crm_native_id'
                WHEN t3.deal_id IS NOT NULL THEN 'single_deal_inference'
                ELSE b.account_method END AS link_method
      FROM base b
      LEFT JOIN email_deal t1 ON t1.conversation_id = b.id
      LEFT JOIN crm_deal t2 ON t2.conversation_id = b.id
      LEFT JOIN inferred_deal t3 ON t3.conversation_id = b.id
     WHERE b.account_method IS NOT NULL
  )`;

/**
 * Writes the desired links where they differ, never over a manual link, never replacing a higher tier
 * with a lower one except to add a deal to the same account. A second run writes nothing.
 */
export async function linkConversations(
  q: Queryable,
  workspaceId: string,
  internalDomains: readonly string[],
  options: LinkOptions = {},
): Promise<LinkResult> {
  const { rows } = await q.query<{ link_method: AutoLinkMethod; n: number }>(
    /* sql */ `WITH ${DESIRED_LINKS_SQL},
      written AS (
        UPDATE conversations c
           SET contact_id = d.contact_id, account_id = d.account_id, deal_id = d.deal_id,
               link_method = d.link_method, updated_at = now()
          FROM desired d
         WHERE c.workspace_id = $1::uuid AND c.id = d.id AND c.is_internal = FALSE
           AND c.link_method IS DISTINCT FROM 'manual'
           AND (c.contact_id, c.account_id, c.deal_id, c.link_method)
               IS DISTINCT FROM (d.contact_id, d.account_id, d.deal_id, d.link_method)
           AND (c.link_method IS NULL
                OR ${rank('d.link_method')} >= ${rank('c.link_method')}
                OR (c.deal_id IS NULL AND d.deal_id IS NOT NULL AND c.account_id = d.account_id))
        RETURNING c.link_method
      )
      SELECT link_method, count(*)::int AS n FROM written GROUP BY link_method`,
    [
      workspaceId,
      FREE_MAIL_DOMAINS as string[],
      internalDomains as string[],
      options.slackBeforeDealDays ?? 14,
      options.slackAfterCloseDays ?? 7,
      options.tieSpanRatio ?? DEFAULT_TIE_SPAN_RATIO,
    ],
  );
  const changed: Record<AutoLinkMethod, number> = {
    email_match: 0,
    domain_match: 0,
    crm_native_id: 0,
    single_deal_inference: 0,
  };
  for (const r of rows) changed[r.link_method] = Number(r.n);
  return { changed };
}
