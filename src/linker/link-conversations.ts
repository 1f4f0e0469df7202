/**
 * The three-tier linker: conversation → contact → account → deal, in one set-based statement.
 * Account: every external participant votes once, for its contact's account, or for the account whose
 * domain (primary or additional) its address uses when it has no contact, its contact has no company, or
 * its contact's company does not use that domain (a person who moved jobs); never a free-mail domain.
 * Deal, among the account's deals live at the call's time (created before it, closed after it or still
 * open; deal-liveness.ts): the recorder's CRM id of a deal live then (tier 2) first, else the one deal a
 * contact on the call is on alone among them (tier 1), else the only live deal or the only one the
 * call's organiser owns (tier 3); several live deals and no evidence that tells them apart leave the
 * deal empty. Every statement reads external
 * conversations only (is_internal = FALSE), and joins and aggregates whole sets: no subquery runs per row.
 */
import type { Queryable } from '../db/db.ts';
import { chunkProbe, inIdList } from '../db/id-ranges.ts';
import { accountDomainRowsSql, storedAccountDomainRowsSql } from './account-domains.ts';
import { dealLifeCtes } from './deal-liveness.ts';
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
   * A recorder's CRM id counts for a deal closed at most this many days before the call; one closed
   * longer before is a context left on an old deal, not evidence.
   */
  crmContextAfterCloseDays?: number;
}

export interface LinkResult {
  /** Conversations whose links this run changed, by the link_method they now carry. */
  changed: Record<AutoLinkMethod, number>;
}

// A link's tier; a link is only replaced by one of the same or a higher tier, or one at the same account.
const TIER_RANK = /* sql */ `CASE $M WHEN 'email_match' THEN 3 WHEN 'domain_match' THEN 3
  WHEN 'crm_native_id' THEN 2 WHEN 'single_deal_inference' THEN 1 ELSE 0 END`;
const rank = (expr: string) => TIER_RANK.replace('$M', expr);

/**
 * The link every external conversation should carry, computed from the data alone (deterministic): of
 * every external conversation (chunked false), or of the chunk's ($7) with the lookups probed (chunkProbe)
 * and the account domains read from those stored at the run's start (account-domains.ts).
 */
export function desiredLinksSql(chunked: boolean): string {
  return /* sql */ `
  conv AS MATERIALIZED (
    SELECT c.id, c.started_at, c.participants, c.crm_context, lower(btrim(c.organizer_email)) AS organizer
      FROM conversations c
     WHERE c.workspace_id = $1::uuid AND c.is_internal = FALSE
       AND ${inIdList('c.id', 7)}
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
    SELECT DISTINCT ON (e.conversation_id, e.ord) e.conversation_id, e.ord, e.domain,
           ct.id AS contact_id, ct.account_id
      FROM ext e
      JOIN contacts ct ON ct.workspace_id = $1::uuid AND ct.email_key = e.email AND ct.deleted_at IS NULL
                      ${chunkProbe(chunked, 'ct.email_key', 'SELECT DISTINCT email FROM ext')}
     ORDER BY e.conversation_id, e.ord, (ct.account_id IS NULL), ct.id
  ),
  -- Every company domain of every account (primary and additional), free-mail domains left out; in a
  -- chunk, those of its participants' domains and of its contacts' accounts.
  account_domain_list AS MATERIALIZED (${
    chunked
      ? storedAccountDomainRowsSql(
          'SELECT DISTINCT domain FROM ext WHERE domain <> ALL($2::text[])',
          'SELECT DISTINCT account_id FROM contact_hits WHERE account_id IS NOT NULL',
        )
      : accountDomainRowsSql('$2::text[]')
  }
  ),
  -- The account a domain names: its primary owner first, then the oldest account.
  domain_owner AS MATERIALIZED (
    SELECT DISTINCT ON (domain) domain, account_id
      FROM account_domain_list
     ORDER BY domain, is_primary DESC, source_created_at NULLS LAST, account_id
  ),
  -- One vote per participant. A contact's company wins unless the address is on another account's domain
  -- that the contact's company does not use (the contact moved jobs); no contact, or a contact with no
  -- company, leaves the vote to the domain.
  account_domain_sets AS MATERIALIZED (
    SELECT account_id, array_agg(domain) AS domains FROM account_domain_list GROUP BY account_id
  ),
  votes AS MATERIALIZED (
    SELECT e.conversation_id, e.ord, h.contact_id,
           CASE WHEN h.account_id IS NULL THEN dw.account_id
                WHEN dw.account_id IS NOT NULL AND dw.account_id <> h.account_id
                     AND own.account_id IS NOT NULL AND e.domain <> ALL(own.domains) THEN dw.account_id
                ELSE h.account_id END AS account_id,
           h.account_id AS contact_account_id
      FROM ext e
      LEFT JOIN contact_hits h ON h.conversation_id = e.conversation_id AND h.ord = e.ord
      LEFT JOIN domain_owner dw ON dw.domain = e.domain
      LEFT JOIN account_domain_sets own ON own.account_id = h.account_id
  ),
  -- The account with the most votes; a tie goes to the one a contact votes for, then to the earlier attendee.
  account_vote AS (
    SELECT DISTINCT ON (conversation_id) conversation_id, account_id, by_contact
      FROM (SELECT conversation_id, account_id, count(*) AS hits, min(ord) AS first_ord,
                   bool_or(account_id = contact_account_id) AS by_contact
              FROM votes WHERE account_id IS NOT NULL
             GROUP BY conversation_id, account_id) s
     ORDER BY conversation_id, hits DESC, by_contact DESC, first_ord, account_id
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
                       ${chunkProbe(chunked, 'd.source', "SELECT DISTINCT source FROM crm_refs WHERE kind = 'deal'")}
                       ${chunkProbe(chunked, 'd.source_id', "SELECT source_id FROM crm_refs WHERE kind = 'deal'")}
      LEFT JOIN accounts a ON r.kind = 'account' AND a.workspace_id = $1::uuid
                          AND a.source = r.source AND a.source_id = r.source_id
                          ${chunkProbe(chunked, 'a.source', "SELECT DISTINCT source FROM crm_refs WHERE kind = 'account'")}
                          ${chunkProbe(chunked, 'a.source_id', "SELECT source_id FROM crm_refs WHERE kind = 'account'")}
     WHERE d.id IS NOT NULL OR a.id IS NOT NULL
     ORDER BY r.conversation_id, (d.id IS NULL), r.source, r.source_id
  ),
  base AS MATERIALIZED (
    SELECT cv.id, cv.started_at, cv.organizer,
           coalesce(av.account_id, cl.account_id) AS account_id,
           CASE WHEN av.by_contact THEN 'email_match'
                WHEN av.account_id IS NOT NULL THEN 'domain_match'
                WHEN cl.account_id IS NOT NULL THEN 'crm_native_id'
                WHEN fc.contact_id IS NOT NULL THEN 'email_match' END AS account_method,
           cl.deal_id AS crm_deal_id, cl.account_id AS crm_account_id
      FROM conv cv
      LEFT JOIN account_vote av ON av.conversation_id = cv.id
      LEFT JOIN crm_link cl ON cl.conversation_id = cv.id
      LEFT JOIN (SELECT DISTINCT ON (conversation_id) conversation_id, contact_id
                   FROM contact_hits ORDER BY conversation_id, ord) fc ON fc.conversation_id = cv.id
  ),
  -- The contact the link names: the first attendee voting for the account (or any contact, with no account).
  link_contact AS (
    SELECT DISTINCT ON (b.id) b.id, v.contact_id
      FROM base b
      JOIN votes v ON v.conversation_id = b.id AND v.contact_id IS NOT NULL
                  AND (v.account_id = b.account_id OR b.account_id IS NULL)
     ORDER BY b.id, v.ord
  ),
  ${dealLifeCtes(chunked ? 'd.account_id = ANY(ARRAY(SELECT DISTINCT account_id FROM base WHERE account_id IS NOT NULL))' : undefined)},
  -- The account's deals live at the call; with none strictly live, those a few days' slack admits.
  candidates AS MATERIALIZED (
    SELECT s.conversation_id, s.deal_id, s.owner_email, s.organizer
      FROM (SELECT b.id AS conversation_id, l.deal_id, l.owner_email, b.organizer,
                   bool_or(b.started_at >= l.live_from AND b.started_at <= l.live_until)
                     OVER (PARTITION BY b.id) AS any_strict,
                   (b.started_at >= l.live_from AND b.started_at <= l.live_until) AS strict
              FROM base b
              JOIN deal_life l ON l.account_id = b.account_id
             WHERE b.started_at >= l.live_from - make_interval(days => $4::int)
               AND b.started_at <= l.live_until + make_interval(days => $5::int)) s
     WHERE s.strict OR NOT s.any_strict
  ),
  -- Tier 1 deal: the only candidate with a contact of the call on it alone among the candidates.
  contact_deals AS (
    SELECT c.conversation_id, c.deal_id, h.contact_id,
           count(*) OVER (PARTITION BY c.conversation_id, h.contact_id) AS deals_of_contact
      FROM candidates c
      JOIN contact_hits h ON h.conversation_id = c.conversation_id
      JOIN deal_contacts dc ON dc.workspace_id = $1::uuid AND dc.contact_id = h.contact_id AND dc.deal_id = c.deal_id
                           ${chunkProbe(chunked, 'dc.contact_id', 'SELECT contact_id FROM contact_hits')}
  ),
  email_deal AS (
    SELECT conversation_id, min(deal_id::text)::uuid AS deal_id
      FROM contact_deals
     WHERE deals_of_contact = 1
     GROUP BY conversation_id
    HAVING count(DISTINCT deal_id) = 1
  ),
  -- Tier 2 deal: the recorder's CRM id, at the account the attendees point to (or any, when they point
  -- nowhere), if the deal was live at the call or closed only shortly before it.
  crm_deal AS (
    SELECT b.id AS conversation_id, b.crm_deal_id AS deal_id
      FROM base b
      JOIN deal_life l ON l.deal_id = b.crm_deal_id
     WHERE b.account_id IS NOT DISTINCT FROM b.crm_account_id
       AND b.started_at >= l.live_from - make_interval(days => $4::int)
       AND b.started_at <= l.live_until + make_interval(days => $6::int)
  ),
  -- Tier 3 deal: the account's only deal live at the call; of several, the only one the call's organiser
  -- owns (among those a contact of the call is on, when any is), since reps run their own deals' calls.
  inferred_deal AS (
    SELECT conversation_id, min(deal_id::text)::uuid AS deal_id
      FROM candidates GROUP BY conversation_id HAVING count(*) = 1
    UNION ALL
    SELECT s.conversation_id, min(s.deal_id::text)::uuid
      FROM (SELECT c.conversation_id, c.deal_id, c.owner_email, c.organizer,
                   count(*) OVER (PARTITION BY c.conversation_id) AS n_candidates,
                   cd.deal_id IS NOT NULL AS has_contact,
                   bool_or(cd.deal_id IS NOT NULL) OVER (PARTITION BY c.conversation_id) AS any_contact
              FROM candidates c
              LEFT JOIN (SELECT DISTINCT conversation_id, deal_id FROM contact_deals) cd
                     ON cd.conversation_id = c.conversation_id AND cd.deal_id = c.deal_id) s
     WHERE s.n_candidates > 1 AND (s.has_contact OR NOT s.any_contact) AND s.owner_email = s.organizer
     GROUP BY s.conversation_id
    HAVING count(*) = 1
  ),
  desired AS (
    SELECT b.id, lc.contact_id, b.account_id,
           coalesce(t2.deal_id, t1.deal_id, t3.deal_id) AS deal_id,
           CASE WHEN t2.deal_id IS NOT NULL THEN 'crm_native_id'
                WHEN t1.deal_id IS NOT NULL THEN 'email_match'
                WHEN t3.deal_id IS NOT NULL THEN 'single_deal_inference'
                ELSE b.account_method END AS link_method
      FROM base b
      LEFT JOIN link_contact lc ON lc.id = b.id
      LEFT JOIN email_deal t1 ON t1.conversation_id = b.id
      LEFT JOIN crm_deal t2 ON t2.conversation_id = b.id
      LEFT JOIN inferred_deal t3 ON t3.conversation_id = b.id
     WHERE b.account_method IS NOT NULL
  )`;
}

/**
 * Writes the desired links where they differ, never over a manual link, never replacing a higher tier
 * with a lower one at another account (at the same account the deal is re-decided from today's data).
 * A second run writes nothing.
 */
export async function linkConversations(
  q: Queryable,
  workspaceId: string,
  internalDomains: readonly string[],
  options: LinkOptions = {},
  ids: readonly string[] | null = null,
): Promise<LinkResult> {
  const { rows } = await q.query<{ link_method: AutoLinkMethod; n: number }>(
    /* sql */ `WITH ${desiredLinksSql(ids !== null)},
      written AS (
        UPDATE conversations c
           SET contact_id = d.contact_id, account_id = d.account_id, deal_id = d.deal_id,
               link_method = d.link_method, updated_at = now()
          FROM desired d
         WHERE c.workspace_id = $1::uuid AND c.id = d.id AND c.is_internal = FALSE AND ${inIdList('c.id', 7)}
           AND c.link_method IS DISTINCT FROM 'manual'
           AND (c.contact_id, c.account_id, c.deal_id, c.link_method)
               IS DISTINCT FROM (d.contact_id, d.account_id, d.deal_id, d.link_method)
           AND (c.link_method IS NULL
                OR ${rank('d.link_method')} >= ${rank('c.link_method')}
                OR c.account_id = d.account_id)
        RETURNING c.link_method
      )
      SELECT link_method, count(*)::int AS n FROM written GROUP BY link_method`,
    [
      workspaceId,
      FREE_MAIL_DOMAINS as string[],
      internalDomains as string[],
      options.slackBeforeDealDays ?? 14,
      options.slackAfterCloseDays ?? 7,
      options.crmContextAfterCloseDays ?? 30,
      ids,
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
