/** Writes adapter pages straight into entity tables (rows without refs), for adapter tests before the orchestrator. */
import type { SyncPage } from '../../src/connectors/adapter.ts';
import { bulkUpsert, type UpsertCounts } from '../../src/db/bulk-upsert.ts';
import type { Db } from '../../src/db/db.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { ENTITY_TABLES, type EntityName } from '../../src/entities/entity-tables.ts';

export async function createWorkspace(db: Db, name = 'Acme'): Promise<string> {
  const { rows } = await db.query<{ id: string }>('INSERT INTO workspaces (name) VALUES ($1) RETURNING id', [
    name,
  ]);
  return rows[0]!.id;
}

export async function writePages(
  db: Db,
  workspaceId: string,
  pages: SyncPage[],
): Promise<Partial<Record<EntityName, UpsertCounts>>> {
  const totals: Partial<Record<EntityName, UpsertCounts>> = {};
  for (const page of pages) {
    for (const entity of Object.keys(page.records ?? {}) as EntityName[]) {
      const records = page.records?.[entity] ?? [];
      if (records.length === 0) continue;
      const counts = await withWorkspace(db, workspaceId, (tx) =>
        bulkUpsert(
          tx,
          ENTITY_TABLES[entity],
          workspaceId,
          records.map((r) => r.row),
        ),
      );
      const t = totals[entity] ?? { inserted: 0, updated: 0, unchanged: 0 };
      totals[entity] = t;
      t.inserted += counts.inserted;
      t.updated += counts.updated;
      t.unchanged += counts.unchanged;
    }
  }
  return totals;
}
