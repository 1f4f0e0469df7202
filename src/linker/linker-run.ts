/** One linker run (internal-meeting filter, then the three tiers) and the coverage it leaves behind. */
import type { Queryable } from '../db/db.ts';
import { withHashJoins } from './hash-join-plan.ts';
import { type ResolvedInternalDomains, resolveInternalDomains } from './internal-domains.ts';
import {
  type ClassificationResult,
  classifyConversations,
  clearInternalLinks,
} from './internal-meeting-filter.ts';
import { type AutoLinkMethod, type LinkOptions, linkConversations } from './link-conversations.ts';

export interface LinkerRunResult {
  internal_domains: { domains: string[]; decided_by: ResolvedInternalDomains['decided_by'] };
  classification: ClassificationResult;
  internal_links_cleared: number;
  /** Conversations whose link this run wrote, by the tier (link_method) they now carry. */
  tiers: Record<AutoLinkMethod, number>;
  links_changed: number;
  coverage: LinkerCoverage;
  elapsed_ms: { classify: number; link: number; total: number };
}

export interface LinkerCoverage {
  conversations: number;
  internal: number;
  unclassified: number;
  external: number;
  linked_to_deal: number;
  account_only: number;
  contact_only: number;
  unlinked: number;
  by_link_method: Record<string, number>;
  deal_link_rate: number | null;
  account_link_rate: number | null;
}

/** Step 0 alone: resolve the internal domains and classify; withdraws automatic links from internal calls. */
export async function runInternalMeetingFilter(q: Queryable, workspaceId: string) {
  const resolved = await resolveInternalDomains(q, workspaceId);
  const classification = await withHashJoins(q, () =>
    classifyConversations(q, workspaceId, resolved.domains),
  );
  const cleared = await clearInternalLinks(q, workspaceId);
  return { resolved, classification, cleared };
}

export async function runLinker(
  q: Queryable,
  workspaceId: string,
  options: LinkOptions = {},
): Promise<LinkerRunResult> {
  const started = performance.now();
  const { resolved, classification, cleared } = await runInternalMeetingFilter(q, workspaceId);
  const classified = performance.now();
  const { changed } = await withHashJoins(q, () =>
    linkConversations(q, workspaceId, resolved.domains, options),
  );
  const linked = performance.now();
  return {
    internal_domains: { domains: resolved.domains, decided_by: resolved.decided_by },
    classification,
    internal_links_cleared: cleared,
    tiers: changed,
    links_changed: Object.values(changed).reduce((a, b) => a + b, 0),
    coverage: await linkerCoverage(q, workspaceId),
    elapsed_ms: {
      classify: Math.round(classified - started),
      link: Math.round(linked - classified),
      total: Math.round(linked - started),
    },
  };
}

export async function linkerCoverage(q: Queryable, workspaceId: string): Promise<LinkerCoverage> {
  const { rows } = await q.query<{ kind: string; link_method: string | null; n: number }>(
    /* sql */ `SELECT CASE WHEN is_internal IS NULL THEN 'unclassified'
                        WHEN is_internal THEN 'internal'
                        WHEN deal_id IS NOT NULL THEN 'linked_to_deal'
                        WHEN account_id IS NOT NULL THEN 'account_only'
                        WHEN contact_id IS NOT NULL THEN 'contact_only'
                        ELSE 'unlinked' END AS kind,
                   link_method, count(*)::int AS n
              FROM conversations WHERE workspace_id = $1::uuid
             GROUP BY 1, 2`,
    [workspaceId],
  );
  const c: LinkerCoverage = {
    conversations: 0,
    internal: 0,
    unclassified: 0,
    external: 0,
    linked_to_deal: 0,
    account_only: 0,
    contact_only: 0,
    unlinked: 0,
    by_link_method: {},
    deal_link_rate: null,
    account_link_rate: null,
  };
  for (const r of rows) {
    const n = Number(r.n);
    c.conversations += n;
    (c as unknown as Record<string, number>)[r.kind]! += n;
    if (r.kind !== 'internal' && r.kind !== 'unclassified') c.external += n;
    if (r.link_method) c.by_link_method[r.link_method] = (c.by_link_method[r.link_method] ?? 0) + n;
  }
  if (c.external > 0) {
    c.deal_link_rate = Math.round((c.linked_to_deal / c.external) * 10_000) / 10_000;
    c.account_link_rate = Math.round(((c.linked_to_deal + c.account_only) / c.external) * 10_000) / 10_000;
  }
  return c;
}

export interface MonthlyCoverage {
  month: string;
  external: number;
  linked_to_deal: number;
  account_only: number;
  unlinked: number;
  deal_link_rate: number | null;
}

/**
 * Coverage by the month each external call took place, newest `months` months: how well each month's
 * calls are tied to deals now (a later linker run or manual link raises an old month's rate).
 */
export async function linkerCoverageByMonth(
  q: Queryable,
  workspaceId: string,
  months: number,
): Promise<MonthlyCoverage[]> {
  const { rows } = await q.query<Omit<MonthlyCoverage, 'deal_link_rate'>>(
    /* sql */ `SELECT to_char(date_trunc('month', started_at), 'YYYY-MM') AS month,
                   count(*)::int AS external,
                   count(*) FILTER (WHERE deal_id IS NOT NULL)::int AS linked_to_deal,
                   count(*) FILTER (WHERE deal_id IS NULL AND account_id IS NOT NULL)::int AS account_only,
                   count(*) FILTER (WHERE deal_id IS NULL AND account_id IS NULL)::int AS unlinked
              FROM conversations
             WHERE workspace_id = $1::uuid AND is_internal = false AND started_at IS NOT NULL
               AND started_at >= date_trunc('month', now()) - make_interval(months => $2::int - 1)
             GROUP BY 1 ORDER BY 1`,
    [workspaceId, months],
  );
  return rows.map((r) => ({
    ...r,
    deal_link_rate: r.external > 0 ? Math.round((r.linked_to_deal / r.external) * 10_000) / 10_000 : null,
  }));
}
