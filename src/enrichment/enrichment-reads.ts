/**
 * What the enrichment API reads: the workspace's enrichment status (which providers are configured,
 * closed deals enriched and pending, contacts by enrichment outcome, signals by type, committee coverage
 * on won vs lost deals, the last run) and one deal's buying committee.
 */
import type { Queryable } from '../db/db.ts';
import { NotFoundError } from '../errors.ts';
import { CLOSED_DEAL_SQL, WON_DEAL_SQL } from './deal-context.ts';
import { committeeCoverage } from './derived-features.ts';
import { describeEnrichmentSettings, type EnrichmentSettings } from './enrichment-settings.ts';
import { lastEnrichmentRun, pendingDealIds } from './enrichment-runs.ts';
import { BUYING_ROLES } from './role-resolution.ts';

export async function enrichmentStatus(q: Queryable, workspaceId: string, settings: EnrichmentSettings) {
  const deals = await q.query<{ closed: number; enriched: number }>(
    /* sql */ `SELECT count(*)::int AS closed, count(e.deal_id)::int AS enriched FROM deals d
     LEFT JOIN deal_enrichments e ON e.workspace_id = d.workspace_id AND e.deal_id = d.id
     WHERE d.workspace_id = $1::uuid AND d.deleted_at IS NULL AND ${CLOSED_DEAL_SQL}`,
    [workspaceId],
  );
  const contacts = await q.query<{ status: string; n: number }>(
    /* sql */ `SELECT coalesce(enrichment_status, 'not_run') AS status, count(*)::int AS n FROM deal_contacts
     WHERE workspace_id = $1::uuid GROUP BY 1 ORDER BY 1`,
    [workspaceId],
  );
  const signals = await q.query<{ signal_type: string; n: number }>(
    `SELECT signal_type, count(*)::int AS n FROM account_signals WHERE workspace_id = $1::uuid GROUP BY 1 ORDER BY 1`,
    [workspaceId],
  );
  const searched = await q.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM account_signal_searches WHERE workspace_id = $1::uuid',
    [workspaceId],
  );
  return {
    providers: describeEnrichmentSettings(settings),
    deals: {
      closed: deals.rows[0]!.closed,
      enriched: deals.rows[0]!.enriched,
      pending: (await pendingDealIds(q, workspaceId)).length,
    },
    contacts: Object.fromEntries(contacts.rows.map((r) => [r.status, r.n])),
    signals: {
      total: signals.rows.reduce((s, r) => s + r.n, 0),
      by_type: Object.fromEntries(signals.rows.map((r) => [r.signal_type, r.n])),
      accounts_searched: searched.rows[0]!.n,
    },
    coverage: await committeeCoverage(q, workspaceId),
    last_run: await lastEnrichmentRun(q, workspaceId),
  };
}

interface MemberRow {
  contact_id: string;
  name: string | null;
  email: string | null;
  title: string | null;
  buying_role: string | null;
  buying_role_source: string | null;
  buying_role_confidence: number | null;
  crm_role: string | null;
  enrichment_status: string | null;
  seniority: string | null;
  seniority_verified: boolean;
  department: string | null;
  department_verified: boolean;
  tenure_months: number | null;
  apollo_title: string | null;
  linkedin_url: string | null;
  enriched_at: string | null;
}

/** The deal's contacts with their resolved roles and enrichment, the roles covered and missing. */
export async function buyingCommittee(q: Queryable, workspaceId: string, dealId: string) {
  const deal = await q.query<{ id: string; name: string | null; closed: boolean; outcome: string | null }>(
    /* sql */ `SELECT d.id, d.name, ${CLOSED_DEAL_SQL} AS closed,
       CASE WHEN NOT ${CLOSED_DEAL_SQL} THEN NULL WHEN ${WON_DEAL_SQL} THEN 'won' ELSE 'lost' END AS outcome
     FROM deals d WHERE d.workspace_id = $1::uuid AND d.id = $2::uuid AND d.deleted_at IS NULL`,
    [workspaceId, dealId],
  );
  if (!deal.rows[0]) throw new NotFoundError('deal');
  const members = await q.query<MemberRow>(
    /* sql */ `SELECT DISTINCT ON (c.id) c.id AS contact_id,
       nullif(btrim(concat_ws(' ', c.first_name, c.last_name)), '') AS name, c.email, c.title,
       dc.buying_role, dc.buying_role_source, dc.buying_role_confidence::float8 AS buying_role_confidence, dc.role AS crm_role, dc.enrichment_status,
       dc.seniority, dc.seniority_verified, dc.department, dc.department_verified, dc.tenure_months,
       dc.apollo_data ->> 'title' AS apollo_title, dc.apollo_data ->> 'linkedin_url' AS linkedin_url,
       dc.enriched_at
     FROM deal_contacts dc JOIN contacts c ON c.workspace_id = dc.workspace_id AND c.id = dc.contact_id
     WHERE dc.workspace_id = $1::uuid AND dc.deal_id = $2::uuid AND c.deleted_at IS NULL
     ORDER BY c.id, dc.id`,
    [workspaceId, dealId],
  );
  const enrichment = await q.query<{
    enriched_at: string;
    run_id: string | null;
    features: {
      members?: Array<{ contact_id: string; evidence?: unknown[] }>;
      signals_before_close?: number;
    };
  }>(
    `SELECT enriched_at, run_id, features FROM deal_enrichments WHERE workspace_id = $1::uuid AND deal_id = $2::uuid`,
    [workspaceId, dealId],
  );
  const e = enrichment.rows[0];
  const evidence = new Map((e?.features.members ?? []).map((m) => [m.contact_id, m.evidence ?? []]));
  const list = members.rows.map((m) => ({ ...m, evidence: evidence.get(m.contact_id) ?? [] }));
  const present = BUYING_ROLES.filter((r) => list.some((m) => m.buying_role === r));
  return {
    deal_id: dealId,
    name: deal.rows[0].name,
    outcome: deal.rows[0].outcome,
    enriched_at: e?.enriched_at ?? null,
    run_id: e?.run_id ?? null,
    committee_size: list.length,
    roles_present: present,
    roles_missing: BUYING_ROLES.filter((r) => !present.includes(r)),
    signals_before_close: e?.features.signals_before_close ?? null,
    members: list,
  };
}
