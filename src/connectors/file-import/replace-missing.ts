/**
 * The replace strategy's second half: imported records of the entity type that the file no longer
 * contains are deleted, unless other rows reference them (those are kept and reported). Deleted rows and
 * the stage history that goes with them are captured first, so a rollback re-inserts them.
 */
import type { Queryable } from '../../db/db.ts';
import type { ImportEntityType } from './import-fields.ts';
import { IMPORT_SOURCE } from './row-normaliser.ts';

// Who points at each entity type; a referenced record is kept. Whitelisted identifiers only.
const REFERENCES: Readonly<Record<ImportEntityType, ReadonlyArray<readonly [string, string]>>> = {
  accounts: [
    ['contacts', 'account_id'],
    ['deals', 'account_id'],
    ['activities', 'account_id'],
    ['calls', 'account_id'],
    ['conversations', 'account_id'],
    ['tasks', 'account_id'],
    ['documents', 'account_id'],
    ['leads', 'converted_account_id'],
  ],
  contacts: [
    ['deal_contacts', 'contact_id'],
    ['activities', 'contact_id'],
    ['calls', 'contact_id'],
    ['conversations', 'contact_id'],
    ['tasks', 'contact_id'],
    ['leads', 'converted_contact_id'],
  ],
  deals: [
    ['deal_contacts', 'deal_id'],
    ['activities', 'deal_id'],
    ['calls', 'deal_id'],
    ['conversations', 'deal_id'],
    ['tasks', 'deal_id'],
    ['documents', 'deal_id'],
    ['leads', 'converted_deal_id'],
  ],
  activities: [],
  leads: [],
};

export interface MissingReport {
  missing: number;
  deleted: number;
  kept_referenced: number;
  /** Up to 100 of the missing records. */
  records: Array<{ id: string; source_id: string; name: string | null; kept: boolean }>;
}

export async function deleteMissingRecords(
  q: Queryable,
  workspaceId: string,
  batchId: string,
  entity: ImportEntityType,
  txAt: string,
): Promise<MissingReport> {
  const refs = REFERENCES[entity]
    .map(([t, c]) => `EXISTS (SELECT 1 FROM ${t} r WHERE r.workspace_id = $1::uuid AND r.${c} = m.id)`)
    .join(' OR ');
  const label =
    entity === 'contacts' || entity === 'leads'
      ? `coalesce(m.email, m.last_name)`
      : entity === 'activities'
        ? 'm.subject'
        : 'm.name';
  await q.query(
    `CREATE TEMP TABLE pandora_import_missing ON COMMIT DROP AS
     SELECT m.id, m.source_id, ${label} AS name, ${refs || 'false'} AS kept
     FROM ${entity} m
     WHERE m.workspace_id = $1::uuid AND m.source = '${IMPORT_SOURCE}' AND m.created_at <> $4::timestamptz
       AND NOT EXISTS (SELECT 1 FROM import_batch_changes c WHERE c.workspace_id = $1::uuid AND c.batch_id = $2::uuid
                       AND c.entity_type = $3::text AND c.row_id = m.id)`,
    [workspaceId, batchId, entity, txAt],
  );
  if (entity === 'deals') {
    await q.query(
      /* sql */ `INSERT INTO import_batch_changes (workspace_id, batch_id, entity_type, row_id, action, previous)
                 SELECT $1::uuid, $2::uuid, 'deal_stage_history', h.id, 'delete', to_jsonb(h)
                 FROM deal_stage_history h JOIN pandora_import_missing m ON m.id = h.deal_id AND NOT m.kept
                 WHERE h.workspace_id = $1::uuid
                 ON CONFLICT DO NOTHING`,
      [workspaceId, batchId],
    );
  }
  await q.query(
    `INSERT INTO import_batch_changes (workspace_id, batch_id, entity_type, row_id, action, previous)
     SELECT $1::uuid, $2::uuid, $3::text, t.id, 'delete', to_jsonb(t)
     FROM ${entity} t JOIN pandora_import_missing m ON m.id = t.id AND NOT m.kept
     WHERE t.workspace_id = $1::uuid`,
    [workspaceId, batchId, entity],
  );
  const deleted = await q.query(
    `DELETE FROM ${entity} t USING pandora_import_missing m
     WHERE t.workspace_id = $1::uuid AND t.id = m.id AND NOT m.kept`,
    [workspaceId],
  );
  const { rows } = await q.query<{
    id: string;
    source_id: string;
    name: string | null;
    kept: boolean;
    total: number;
  }>(
    `SELECT id, source_id, name, kept, count(*) OVER ()::int AS total FROM pandora_import_missing ORDER BY kept DESC, source_id LIMIT 100`,
  );
  const total = rows[0]?.total ?? 0;
  await q.query('DROP TABLE pandora_import_missing');
  return {
    missing: total,
    deleted: deleted.rowCount,
    kept_referenced: total - deleted.rowCount,
    records: rows.map(({ total: _t, ...r }) => r),
  };
}
