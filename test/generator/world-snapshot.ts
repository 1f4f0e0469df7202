/** Reads a generated workspace back as plain, id-free rows (foreign keys as source ids) for comparisons. */
import type { Queryable } from '../../src/db/db.ts';

const ENTITY_SQL = (table: string) => /* sql */ `
  SELECT to_jsonb(t) - 'id' - 'workspace_id' - 'created_at' - 'updated_at'
           - 'account_id' - 'contact_id' - 'deal_id'
           - 'converted_account_id' - 'converted_contact_id' - 'converted_deal_id' AS row
  FROM ${table} t WHERE workspace_id = $1::uuid ORDER BY source, source_id`;

export const SNAPSHOT_TABLES = [
  'accounts',
  'contacts',
  'deals',
  'activities',
  'calls',
  'tasks',
  'documents',
  'conversations',
  'leads',
] as const;

/** Every table of the workspace as text lines, foreign keys rendered as the target's source id. */
export async function snapshotWorld(q: Queryable, workspaceId: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of SNAPSHOT_TABLES) {
    const { rows } = await q.query<{ row: unknown }>(ENTITY_SQL(table), [workspaceId]);
    out[table] = rows.map((r) => JSON.stringify(r.row));
  }
  const { rows: links } = await q.query<{ line: string }>(
    /* sql */ `
    SELECT concat_ws('|', 'contact', c.source_id, a.source_id) AS line
      FROM contacts c JOIN accounts a ON a.workspace_id = c.workspace_id AND a.id = c.account_id
     WHERE c.workspace_id = $1::uuid
    UNION ALL
    SELECT concat_ws('|', 'deal', d.source_id, a.source_id)
      FROM deals d JOIN accounts a ON a.workspace_id = d.workspace_id AND a.id = d.account_id
     WHERE d.workspace_id = $1::uuid
    UNION ALL
    SELECT concat_ws('|', 'activity', x.source_id, d.source_id, c.source_id)
      FROM activities x
      JOIN deals d ON d.workspace_id = x.workspace_id AND d.id = x.deal_id
      LEFT JOIN contacts c ON c.workspace_id = x.workspace_id AND c.id = x.contact_id
     WHERE x.workspace_id = $1::uuid
    UNION ALL
    SELECT concat_ws('|', 'deal_contact', d.source_id, c.source_id, dc.role, dc.is_primary::text)
      FROM deal_contacts dc
      JOIN deals d ON d.workspace_id = dc.workspace_id AND d.id = dc.deal_id
      JOIN contacts c ON c.workspace_id = dc.workspace_id AND c.id = dc.contact_id
     WHERE dc.workspace_id = $1::uuid
    UNION ALL
    SELECT concat_ws('|', 'stage', d.source_id, h.changed_at::text, h.from_stage, h.to_stage)
      FROM deal_stage_history h JOIN deals d ON d.workspace_id = h.workspace_id AND d.id = h.deal_id
     WHERE h.workspace_id = $1::uuid
    ORDER BY 1`,
    [workspaceId],
  );
  out.links = links.map((r) => r.line);
  return out;
}
