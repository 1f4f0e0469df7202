/**
 * Step 0 of the linker: classifies every conversation as internal or external and records why.
 * Participant domains decide first; the title is consulted only when participants leave it open, so a
 * title never outvotes an attendee from a real company domain, nor a known contact on any address
 * outside the internal domains (a customer on a free-mail address in a "planning" meeting).
 */
import type { Queryable } from '../db/db.ts';
import { chunkProbe, inIdList } from '../db/id-ranges.ts';
import { FREE_MAIL_DOMAINS } from './free-mail-domains.ts';

/** Checked in order on the lower-cased title; the first match names the reason (title_pattern:<name>). */
export const INTERNAL_TITLE_PATTERNS: readonly { name: string; pattern: string }[] = [
  { name: 'standup', pattern: 'stand[- ]?up|daily scrum|\\mscrum\\M' },
  { name: 'one_on_one', pattern: '(^|[^0-9])1[:-]1([^0-9]|$)|\\m1 ?on ?1\\M|one[- ]on[- ]one' },
  { name: 'sprint', pattern: '\\msprint\\M' },
  { name: 'retro', pattern: '\\mretro(spective)?\\M' },
  { name: 'all_hands', pattern: 'all[- ]hands|town ?hall' },
  { name: 'interview', pattern: '\\minterview' },
  { name: 'pipeline_review', pattern: 'pipeline review|forecast (call|review)|deal desk' },
  { name: 'internal', pattern: '\\minternal\\M|team sync|offsite|planning' },
];

export interface ClassificationResult {
  changed: number;
  internal: number;
  external: number;
  by_reason: Record<string, number>;
}

/**
 * Classifies the workspace's conversations (those in `ids`, or all with null) against `internalDomains`;
 * only rows whose verdict changes are written.
 */
export async function classifyConversations(
  q: Queryable,
  workspaceId: string,
  internalDomains: readonly string[],
  ids: readonly string[] | null = null,
): Promise<ClassificationResult> {
  const { rows } = await q.query<{ is_internal: boolean; reason: string; changed: boolean; n: number }>(
    /* sql */ `WITH participant_emails AS MATERIALIZED (
        SELECT c.id, x.email
          FROM conversations c
          CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(c.participants) = 'array'
                                                       THEN c.participants ELSE '[]'::jsonb END) AS e
          CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(e) = 'object' THEN lower(btrim(e->>'email')) END
                                AS email) AS x
         WHERE c.workspace_id = $1::uuid AND x.email LIKE '%_@_%'
           AND split_part(x.email, '@', 2) <> ALL($2::text[])
           AND ${inIdList('c.id', 6)}
      ),
      -- Joined as two sets, so the contacts are read once, not once per conversation; a chunk probes
      -- them for its own addresses.
      known_contact AS MATERIALIZED (
        SELECT DISTINCT pe.id
          FROM participant_emails pe
          JOIN contacts ct ON ct.workspace_id = $1::uuid AND ct.email_key = pe.email
                          ${chunkProbe(ids !== null, 'ct.email_key', 'SELECT email FROM participant_emails')}
      ),
      verdict AS (
        SELECT c.id, v.is_internal, v.reason
          FROM conversations c
          LEFT JOIN known_contact kc ON kc.id = c.id
          CROSS JOIN LATERAL (
            SELECT count(*) AS n,
                   count(*) FILTER (WHERE x.dom IS NOT NULL) AS n_email,
                   count(*) FILTER (WHERE x.dom = ANY($2::text[])) AS n_internal,
                   count(*) FILTER (WHERE x.dom IS NULL AND x.aff = 'internal') AS n_aff_internal,
                   count(*) FILTER (WHERE x.dom IS NULL AND x.aff = 'external') AS n_aff_external,
                   count(*) FILTER (WHERE x.dom = ANY($3::text[]) AND x.dom <> ALL($2::text[])) AS n_free_mail,
                   count(*) FILTER (WHERE cardinality($2::text[]) > 0 AND x.dom IS NOT NULL
                                      AND x.dom <> ALL($2::text[]) AND x.dom <> ALL($3::text[])) AS n_company
              FROM jsonb_array_elements(CASE WHEN jsonb_typeof(c.participants) = 'array'
                                             THEN c.participants ELSE '[]'::jsonb END) AS e
              CROSS JOIN LATERAL (
                SELECT CASE WHEN jsonb_typeof(e) = 'object' AND e->>'email' LIKE '%_@_%'
                            THEN lower(btrim(split_part(e->>'email', '@', 2))) END AS dom,
                       CASE WHEN jsonb_typeof(e) = 'object' THEN lower(e->>'affiliation') END AS aff
              ) AS x
          ) AS s
          CROSS JOIN LATERAL (
            SELECT lower(split_part(c.organizer_email, '@', 2)) AS dom
          ) AS org
          LEFT JOIN LATERAL (
            SELECT r.name FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS r(name, pattern, ord)
             WHERE lower(coalesce(c.title, '')) ~ r.pattern ORDER BY r.ord LIMIT 1
          ) AS t0 ON true
          CROSS JOIN LATERAL (
            SELECT CASE
              WHEN s.n_company > 0
                OR (cardinality($2::text[]) > 0 AND c.organizer_email LIKE '%_@_%'
                    AND org.dom <> ALL($2::text[]) AND org.dom <> ALL($3::text[]))
                THEN 'external_participant_domain'
              WHEN s.n_aff_external > 0 THEN 'external_participant_affiliation'
              WHEN s.n > 0 AND s.n_internal = s.n THEN 'all_participants_internal_domain'
              WHEN s.n > 0 AND s.n_internal + s.n_aff_internal = s.n THEN 'no_external_participants'
              WHEN kc.id IS NOT NULL THEN 'known_contact_participant'
              WHEN t0.name IS NOT NULL THEN 'title_pattern:' || t0.name
              WHEN s.n_free_mail > 0 THEN 'free_mail_participant'
              WHEN s.n = 0 THEN 'no_participant_data'
              ELSE 'unidentified_participants'
            END AS reason
          ) AS d
          CROSS JOIN LATERAL (
            SELECT d.reason IN ('all_participants_internal_domain', 'no_external_participants')
                   OR d.reason LIKE 'title_pattern:%' AS is_internal,
                   d.reason
          ) AS v
         WHERE c.workspace_id = $1::uuid
           AND ${inIdList('c.id', 6)}
      ),
      changed AS (
        UPDATE conversations c
           SET is_internal = v.is_internal, internal_classification_reason = v.reason, updated_at = now()
          FROM verdict v
         WHERE c.workspace_id = $1::uuid AND c.id = v.id AND ${inIdList('c.id', 6)}
           AND (c.is_internal, c.internal_classification_reason) IS DISTINCT FROM (v.is_internal, v.reason)
        RETURNING c.id
      )
      SELECT v.is_internal, v.reason, (ch.id IS NOT NULL) AS changed, count(*)::int AS n
        FROM verdict v LEFT JOIN changed ch ON ch.id = v.id
       GROUP BY 1, 2, 3`,
    [
      workspaceId,
      internalDomains as string[],
      FREE_MAIL_DOMAINS as string[],
      INTERNAL_TITLE_PATTERNS.map((p) => p.name),
      INTERNAL_TITLE_PATTERNS.map((p) => p.pattern),
      ids,
    ],
  );
  const result: ClassificationResult = { changed: 0, internal: 0, external: 0, by_reason: {} };
  for (const r of rows) {
    const n = Number(r.n);
    if (r.changed) result.changed += n;
    if (r.is_internal) result.internal += n;
    else result.external += n;
    result.by_reason[r.reason] = (result.by_reason[r.reason] ?? 0) + n;
  }
  return result;
}

/** Automatic links on conversations now classified internal are withdrawn; manual links stay. */
export function mergeClassifications(a: ClassificationResult, b: ClassificationResult): ClassificationResult {
  const by_reason = { ...a.by_reason };
  for (const [reason, n] of Object.entries(b.by_reason)) by_reason[reason] = (by_reason[reason] ?? 0) + n;
  return {
    changed: a.changed + b.changed,
    internal: a.internal + b.internal,
    external: a.external + b.external,
    by_reason,
  };
}

export async function clearInternalLinks(q: Queryable, workspaceId: string): Promise<number> {
  const { rowCount } = await q.query(
    /* sql */ `UPDATE conversations
        SET contact_id = NULL, account_id = NULL, deal_id = NULL, link_method = NULL, updated_at = now()
      WHERE workspace_id = $1::uuid AND is_internal = TRUE
        AND link_method IS NOT NULL AND link_method <> 'manual'`,
    [workspaceId],
  );
  return rowCount;
}
