/**
 * Backfill of HubSpot deal links from stored source_data.associations: deal_contacts rows
 * (hubspot_association / crm_association) and deal → company as account_id. Set-based, idempotent.
 */
import type { Queryable } from '../../db/db.ts';

export async function populateDealContactsFromSourceData(
  q: Queryable,
  workspaceId: string,
): Promise<{ deal_contacts_inserted: number; deal_accounts_linked: number }> {
  const inserted = await q.query(
    /* sql */ `INSERT INTO deal_contacts (workspace_id, deal_id, contact_id, source, role_source)
               SELECT DISTINCT d.workspace_id, d.id, c.id, 'hubspot_association', 'crm_association'
               FROM deals d
               CROSS JOIN LATERAL jsonb_array_elements(
                 CASE WHEN jsonb_typeof(d.source_data #> '{associations,contacts,results}') = 'array'
                      THEN d.source_data #> '{associations,contacts,results}' ELSE '[]'::jsonb END) AS a(item)
               JOIN contacts c ON c.workspace_id = d.workspace_id AND c.source = 'hubspot' AND c.source_id = a.item->>'id'
               WHERE d.workspace_id = $1::uuid AND d.source = 'hubspot'
               ON CONFLICT (workspace_id, deal_id, contact_id, source) DO NOTHING`,
    [workspaceId],
  );
  const linked = await q.query(
    /* sql */ `UPDATE deals d SET account_id = a.id, updated_at = now()
               FROM accounts a
               WHERE d.workspace_id = $1::uuid AND d.source = 'hubspot' AND a.workspace_id = $1::uuid
                 AND a.source = 'hubspot'
                 AND a.source_id = d.source_data #>> '{associations,companies,results,0,id}'
                 AND d.account_id IS DISTINCT FROM a.id`,
    [workspaceId],
  );
  return { deal_contacts_inserted: inserted.rowCount, deal_accounts_linked: linked.rowCount };
}
