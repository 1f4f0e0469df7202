/**
 * Which e-mail domains are the workspace's own: resolved from four sources in priority order, the first
 * one that yields anything decides, and the answer says which one did.
 */
import type { Queryable } from '../db/db.ts';
import { ValidationError } from '../errors.ts';
import { getContextLayer, putContextSections } from '../workspaces/context-layer.ts';
import { FREE_MAIL_DOMAINS, emailDomain, isFreeMailDomain } from './free-mail-domains.ts';

export const DOMAIN_SOURCES = [
  'context_layer',
  'recorder_tracked_users',
  'crm_connection_user',
  'crm_owner_inference',
] as const;
export type DomainSource = (typeof DOMAIN_SOURCES)[number];

export interface ResolvedInternalDomains {
  domains: string[];
  decided_by: DomainSource | null;
  entries: { domain: string; source: DomainSource }[];
  /** What every source would say, for an admin checking why the decision went the way it did. */
  candidates: Record<DomainSource, string[]>;
}

// The dominant owner domain must cover at least this share of owner addresses to be trusted.
const INFERENCE_MIN_SHARE = 0.5;

const RECORDERS = ['gong', 'fireflies'];
const CRMS = ['hubspot', 'salesforce'];

function companyDomains(emailsOrDomains: Iterable<string | null>): string[] {
  const out = new Set<string>();
  for (const value of emailsOrDomains) {
    if (!value) continue;
    const domain = value.includes('@') ? emailDomain(value) : value.trim().toLowerCase();
    if (domain?.includes('.') && !isFreeMailDomain(domain)) out.add(domain);
  }
  return [...out].sort();
}

async function trackedUserDomains(q: Queryable, workspaceId: string): Promise<string[]> {
  const { rows } = await q.query<{ email: string | null }>(
    /* sql */ `SELECT u->>'email' AS email
       FROM connections c
       CROSS JOIN LATERAL jsonb_array_elements(
         CASE WHEN jsonb_typeof(c.metadata->'tracked_users') = 'array' THEN c.metadata->'tracked_users'
              ELSE '[]'::jsonb END) AS u
      WHERE c.workspace_id = $1::uuid AND c.connector_name = ANY($2::text[]) AND jsonb_typeof(u) = 'object'`,
    [workspaceId, RECORDERS],
  );
  return companyDomains(rows.map((r) => r.email));
}

async function crmUserDomains(q: Queryable, workspaceId: string): Promise<string[]> {
  // HubSpot's token info names `user` and `hub_domain`; Salesforce's identity names `username` and `email`.
  const { rows } = await q.query<{ value: string | null }>(
    /* sql */ `SELECT v.value
       FROM connections c
       CROSS JOIN LATERAL (VALUES (c.metadata->>'user_email'), (c.metadata->>'email'), (c.metadata->>'user'),
                                  (c.metadata->>'username'), (c.metadata->'user'->>'email'),
                                  (c.metadata->>'hub_domain')) AS v(value)
      WHERE c.workspace_id = $1::uuid AND c.connector_name = ANY($2::text[]) AND v.value IS NOT NULL`,
    [workspaceId, CRMS],
  );
  // A HubSpot portal domain like "acme.hubspot.com" is the vendor's, not the customer's.
  return companyDomains(rows.map((r) => r.value)).filter((d) => !/(^|\.)(hubspot|salesforce)\.com$/.test(d));
}

async function ownerInference(q: Queryable, workspaceId: string): Promise<string[]> {
  const { rows } = await q.query<{ domain: string; n: number; total: number }>(
    /* sql */ `WITH owners AS (
        SELECT lower(split_part(owner_email, '@', 2)) AS domain FROM deals
         WHERE workspace_id = $1::uuid AND owner_email LIKE '%_@_%'
        UNION ALL
        SELECT lower(split_part(owner_email, '@', 2)) FROM accounts
         WHERE workspace_id = $1::uuid AND owner_email LIKE '%_@_%'
        UNION ALL
        SELECT lower(split_part(owner_email, '@', 2)) FROM contacts
         WHERE workspace_id = $1::uuid AND owner_email LIKE '%_@_%'
      )
      SELECT domain, count(*)::int AS n, sum(count(*)) OVER ()::int AS total
        FROM owners WHERE domain <> ALL($2::text[])
       GROUP BY domain ORDER BY n DESC, domain LIMIT 1`,
    [workspaceId, FREE_MAIL_DOMAINS],
  );
  const top = rows[0];
  if (!top || Number(top.n) < INFERENCE_MIN_SHARE * Number(top.total)) return [];
  return companyDomains([top.domain]);
}

export async function resolveInternalDomains(
  q: Queryable,
  workspaceId: string,
): Promise<ResolvedInternalDomains> {
  const layer = await getContextLayer(q, workspaceId);
  const candidates: Record<DomainSource, string[]> = {
    context_layer: companyDomains(layer.definitions.internal_domains ?? []),
    recorder_tracked_users: await trackedUserDomains(q, workspaceId),
    crm_connection_user: await crmUserDomains(q, workspaceId),
    crm_owner_inference: [],
  };
  const explicit = DOMAIN_SOURCES.slice(0, 3).find((s) => candidates[s].length > 0);
  if (!explicit) candidates.crm_owner_inference = await ownerInference(q, workspaceId);
  const decidedBy = explicit ?? (candidates.crm_owner_inference.length > 0 ? 'crm_owner_inference' : null);
  const domains = decidedBy ? candidates[decidedBy] : [];
  return {
    domains,
    decided_by: decidedBy,
    entries: domains.map((domain) => ({ domain, source: decidedBy! })),
    candidates,
  };
}

/** Keeps a resolution as the workspace's current answer (what storedInternalDomains reads). */
export async function storeInternalDomains(
  q: Queryable,
  workspaceId: string,
  resolved: Pick<ResolvedInternalDomains, 'domains' | 'decided_by'>,
): Promise<void> {
  await q.query(
    /* sql */ `INSERT INTO internal_domains_resolved (workspace_id, domains, decided_by)
     VALUES ($1::uuid, $2::text[], $3::text)
     ON CONFLICT (workspace_id) DO UPDATE
       SET domains = EXCLUDED.domains, decided_by = EXCLUDED.decided_by, resolved_at = now()`,
    [workspaceId, resolved.domains, resolved.decided_by],
  );
}

/**
 * The internal domains as the last linker run (or the last reader after a change to the explicit
 * sources) resolved them: one primary-key read on the hot path; resolved and stored when none is kept.
 */
export async function storedInternalDomains(q: Queryable, workspaceId: string): Promise<string[]> {
  const { rows } = await q.query<{ domains: string[] }>(
    'SELECT domains FROM internal_domains_resolved WHERE workspace_id = $1::uuid',
    [workspaceId],
  );
  if (rows[0]) return rows[0].domains;
  const resolved = await resolveInternalDomains(q, workspaceId);
  await storeInternalDomains(q, workspaceId, resolved);
  return resolved.domains;
}

/** Stores the manual list in the context layer; an empty list hands the decision back to the other sources. */
export async function putInternalDomains(
  q: Queryable,
  workspaceId: string,
  domains: string[],
): Promise<void> {
  const freeMail = domains.find((d) => isFreeMailDomain(d));
  if (freeMail) throw new ValidationError(`invalid body: domains: ${freeMail} is a free-mail domain`);
  const layer = await getContextLayer(q, workspaceId);
  const { internal_domains: _previous, ...rest } = layer.definitions;
  const definitions = domains.length > 0 ? { ...rest, internal_domains: companyDomains(domains) } : rest;
  await putContextSections(q, workspaceId, { definitions });
}
