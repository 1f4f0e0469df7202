/**
 * Step 1: the closed deals' context, loaded in two set-based reads: won or lost, the amount in the base
 * currency, the cycle length (source creation to close), the account, and the deal's contacts with what
 * earlier runs stored on their deal_contacts rows.
 */
import type { Queryable } from '../db/db.ts';

export interface ContactOnDeal {
  /** deal_contacts.id: enrichment is stored on the deal's link to the contact. */
  deal_contact_id: string;
  contact_id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  title: string | null;
  crm_seniority: string | null;
  crm_department: string | null;
  /** The CRM's contact role on this deal (deal_contacts.role) and where it came from. */
  crm_role: string | null;
  crm_role_source: string | null;
  buying_role: string | null;
  buying_role_source: string | null;
  buying_role_confidence: number | null;
  apollo_data: Record<string, unknown> | null;
  apollo_fetched_at: string | null;
  enrichment_status: string | null;
}

export interface DealContext {
  deal_id: string;
  name: string | null;
  outcome: 'won' | 'lost';
  amount_base: number | null;
  base_currency: string;
  cycle_days: number | null;
  closed_on: string | null;
  custom_fields: Record<string, unknown>;
  account: { id: string; name: string | null; domain: string | null } | null;
  contacts: ContactOnDeal[];
}

/** A deal counts as closed by its normalised stage or the source's closed flag. */
export const CLOSED_DEAL_SQL = `(d.stage_normalized IN ('closed_won', 'closed_lost') OR d.is_closed)`;
export const WON_DEAL_SQL = `(d.stage_normalized = 'closed_won' OR (d.stage_normalized IS NULL AND d.is_won))`;

/** The context of each closed, live deal among `dealIds`; ids of open or deleted deals are left out. */
export async function loadDealContexts(
  q: Queryable,
  workspaceId: string,
  dealIds: readonly string[],
): Promise<DealContext[]> {
  if (dealIds.length === 0) return [];
  const deals = await q.query<
    Omit<DealContext, 'contacts' | 'account'> & {
      account_id: string | null;
      account_name: string | null;
      account_domain: string | null;
    }
  >(
    /* sql */ `SELECT d.id AS deal_id, d.name, CASE WHEN ${WON_DEAL_SQL} THEN 'won' ELSE 'lost' END AS outcome,
       d.amount_base::float8 AS amount_base, pandora_base_currency(d.workspace_id) AS base_currency,
       CASE WHEN coalesce(d.closed_at::date, d.close_date) IS NULL THEN NULL
            ELSE greatest(0, coalesce(d.closed_at::date, d.close_date)
                             - coalesce(d.source_created_at, d.created_at)::date) END AS cycle_days,
       coalesce(d.closed_at::date, d.close_date)::text AS closed_on, d.custom_fields,
       a.id AS account_id, a.name AS account_name, a.domain AS account_domain
     FROM deals d
     LEFT JOIN accounts a ON a.workspace_id = d.workspace_id AND a.id = d.account_id AND a.deleted_at IS NULL
     WHERE d.workspace_id = $1::uuid AND d.id = ANY($2::uuid[]) AND d.deleted_at IS NULL AND ${CLOSED_DEAL_SQL}
     ORDER BY d.id`,
    [workspaceId, dealIds],
  );
  const contacts = await q.query<ContactOnDeal & { deal_id: string }>(
    /* sql */ `SELECT dc.deal_id, dc.id AS deal_contact_id, c.id AS contact_id, c.first_name, c.last_name, c.email,
       c.title, c.seniority AS crm_seniority, c.department AS crm_department, dc.role AS crm_role,
       dc.role_source AS crm_role_source, dc.buying_role, dc.buying_role_source,
       dc.buying_role_confidence::float8 AS buying_role_confidence, dc.apollo_data, dc.apollo_fetched_at::text AS apollo_fetched_at,
       dc.enrichment_status
     FROM deal_contacts dc
     JOIN contacts c ON c.workspace_id = dc.workspace_id AND c.id = dc.contact_id AND c.deleted_at IS NULL
     WHERE dc.workspace_id = $1::uuid AND dc.deal_id = ANY($2::uuid[])
     ORDER BY dc.deal_id, c.id, dc.id`,
    [workspaceId, deals.rows.map((d) => d.deal_id)],
  );
  const byDeal = new Map<string, ContactOnDeal[]>();
  const seen = new Set<string>();
  for (const { deal_id, ...c } of contacts.rows) {
    // A contact linked twice (by two sources) is one committee member: the first link carries the enrichment.
    if (seen.has(`${deal_id}:${c.contact_id}`)) continue;
    seen.add(`${deal_id}:${c.contact_id}`);
    const list = byDeal.get(deal_id) ?? [];
    list.push(c);
    byDeal.set(deal_id, list);
  }
  return deals.rows.map(({ account_id, account_name, account_domain, ...d }) => ({
    ...d,
    cycle_days: d.cycle_days === null ? null : Number(d.cycle_days),
    account: account_id ? { id: account_id, name: account_name, domain: account_domain } : null,
    contacts: byDeal.get(d.deal_id) ?? [],
  }));
}

export function fullName(c: Pick<ContactOnDeal, 'first_name' | 'last_name'>): string {
  return [c.first_name, c.last_name]
    .filter((p) => p?.trim())
    .join(' ')
    .trim();
}
