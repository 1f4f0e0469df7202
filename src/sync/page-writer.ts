/**
 * Writes one SyncPage inside the caller's tenant transaction: source-id references resolved to uuids,
 * entity rows through bulkUpsert (parents first), deal stage changes diffed into deal_stage_history,
 * deal↔contact links, source-reported stage transitions, and deletions and merges at the source.
 */
import { addCounts, bulkUpsert, emptyCounts, type UpsertCounts, type UpsertRow } from '../db/bulk-upsert.ts';
import type { Queryable } from '../db/db.ts';
import {
  DEAL_CONTACTS_TABLE,
  DEAL_FIELD_HISTORY_TABLE,
  DEAL_STAGE_HISTORY_TABLE,
  ENTITY_TABLES,
  type EntityName,
} from '../entities/entity-tables.ts';
import {
  applyMerges,
  type DeletionCounts,
  markDeleted,
  releaseConversationsOfDeletedDeals,
} from './source-deletions.ts';
import {
  ENTITY_WRITE_ORDER,
  type NormalisedRecord,
  type SourceRef,
  type SyncPage,
} from '../connectors/adapter.ts';

export type PageCounts = Record<string, UpsertCounts>;

type IdMap = Map<string, string>; // source_id → uuid

async function lookupIds(
  q: Queryable,
  workspaceId: string,
  entity: EntityName,
  source: string,
  sourceIds: readonly string[],
): Promise<IdMap> {
  const map: IdMap = new Map();
  if (sourceIds.length === 0) return map;
  const { rows } = await q.query<{ source_id: string; id: string }>(
    `SELECT source_id, id FROM ${ENTITY_TABLES[entity].table}
     WHERE workspace_id = $1::uuid AND source = $2::text AND source_id = ANY($3::text[])`,
    [workspaceId, source, [...new Set(sourceIds)]],
  );
  for (const r of rows) map.set(r.source_id, r.id);
  return map;
}

/** One lookup per (entity, source) referenced by the batch. */
async function resolveRefs(
  q: Queryable,
  workspaceId: string,
  defaultSource: string,
  records: readonly NormalisedRecord[],
): Promise<UpsertRow[]> {
  const wanted = new Map<string, { entity: EntityName; source: string; ids: string[] }>();
  for (const r of records) {
    for (const ref of Object.values(r.refs ?? {})) {
      if (!ref) continue;
      const source = ref.source ?? defaultSource;
      const key = `${ref.entity}\u0001${source}`;
      const w = wanted.get(key) ?? { entity: ref.entity, source, ids: [] };
      wanted.set(key, w);
      w.ids.push(ref.source_id);
    }
  }
  const maps = new Map<string, IdMap>();
  for (const [key, w] of wanted) maps.set(key, await lookupIds(q, workspaceId, w.entity, w.source, w.ids));
  return records.map((r) => {
    if (!r.refs) return r.row;
    // Object.assign, not a spread: V8 copies a wide row this way several times faster.
    const row: UpsertRow = Object.assign({}, r.row);
    for (const [column, ref] of Object.entries(r.refs) as Array<[string, SourceRef | null]>) {
      row[column] = ref
        ? (maps.get(`${ref.entity}\u0001${ref.source ?? defaultSource}`)?.get(ref.source_id) ?? null)
        : null;
    }
    return row;
  });
}

interface DealBefore {
  id: string;
  stage: string | null;
  stage_normalized: string | null;
}

async function dealsBefore(q: Queryable, workspaceId: string, rows: readonly UpsertRow[]) {
  const bySource = new Map<string, string[]>();
  for (const r of rows) {
    const s = String(r.source);
    const list = bySource.get(s) ?? [];
    list.push(String(r.source_id));
    bySource.set(s, list);
  }
  const before = new Map<string, DealBefore>();
  for (const [source, ids] of bySource) {
    const { rows: found } = await q.query<DealBefore & { source_id: string }>(
      /* sql */ `SELECT source_id, id, stage, stage_normalized FROM deals
                 WHERE workspace_id = $1::uuid AND source = $2::text AND source_id = ANY($3::text[])`,
      [workspaceId, source, ids],
    );
    for (const d of found) before.set(`${source}\u0001${d.source_id}`, d);
  }
  return before;
}

export async function writePage(
  q: Queryable,
  workspaceId: string,
  defaultSource: string,
  page: SyncPage,
): Promise<PageCounts> {
  const counts: PageCounts = {};
  const records = page.records ?? {};
  for (const entity of ENTITY_WRITE_ORDER) {
    const batch = records[entity];
    if (!batch || batch.length === 0) continue;
    const rows = await resolveRefs(q, workspaceId, defaultSource, batch);
    const before = entity === 'deals' ? await dealsBefore(q, workspaceId, rows) : null;
    counts[entity] = await bulkUpsert(q, ENTITY_TABLES[entity], workspaceId, rows);
    if (entity === 'deals') {
      // Deals the source reports as deleted with their full record (HubSpot's archived list).
      const deleted = rows.filter((r) => r.deleted_at).map((r) => String(r.source_id));
      const released = await releaseConversationsOfDeletedDeals(q, workspaceId, defaultSource, deleted);
      if (released > 0)
        addDeletionCounts(counts, { deleted: 0, merged: 0, conversations_released: released });
    }
    if (before) {
      const history = stageChanges(rows, before);
      if (history.length > 0) {
        counts.deal_stage_history = addCounts(
          counts.deal_stage_history ?? emptyCounts(),
          await bulkUpsert(q, DEAL_STAGE_HISTORY_TABLE, workspaceId, history),
        );
      }
    }
  }
  if (page.dealContacts?.length) {
    counts.deal_contacts = await writeDealContacts(q, workspaceId, defaultSource, page);
  }
  if (page.stageTransitions?.length) {
    counts.deal_stage_history = addCounts(
      counts.deal_stage_history ?? emptyCounts(),
      await writeTransitions(q, workspaceId, defaultSource, page),
    );
  }
  if (page.dealFieldChanges?.length) {
    counts.deal_field_history = await writeFieldChanges(q, workspaceId, defaultSource, page);
  }
  if (page.merges?.length)
    addDeletionCounts(counts, await applyMerges(q, workspaceId, defaultSource, page.merges));
  if (page.deletions?.length)
    addDeletionCounts(counts, await markDeleted(q, workspaceId, defaultSource, page.deletions));
  return counts;
}

/** Deletion outcomes ride on the page counts as `updated` figures, beside the tables' own counts. */
function addDeletionCounts(counts: PageCounts, d: DeletionCounts) {
  for (const [key, n] of Object.entries(d)) {
    if (n === 0) continue;
    counts[key] = addCounts(counts[key] ?? emptyCounts(), { inserted: 0, updated: n, unchanged: 0 });
  }
}

/** A stage that differs from the stored one is a transition seen between two syncs. */
function stageChanges(rows: readonly UpsertRow[], before: Map<string, DealBefore>): UpsertRow[] {
  const history: UpsertRow[] = [];
  for (const r of rows) {
    const old = before.get(`${r.source}\u0001${r.source_id}`);
    if (!old || !('stage' in r) || r.stage === null || r.stage === undefined || r.stage === old.stage)
      continue;
    history.push({
      deal_id: old.id,
      from_stage: old.stage,
      to_stage: r.stage,
      from_stage_normalized: old.stage_normalized,
      to_stage_normalized: r.stage_normalized ?? null,
      changed_at: r.source_updated_at ?? new Date().toISOString(),
      source: 'sync_diff',
    });
  }
  return history;
}

async function writeDealContacts(q: Queryable, workspaceId: string, source: string, page: SyncPage) {
  const links = page.dealContacts!;
  const deals = await lookupIds(
    q,
    workspaceId,
    'deals',
    source,
    links.map((l) => l.deal_source_id),
  );
  const contacts = await lookupIds(
    q,
    workspaceId,
    'contacts',
    source,
    links.map((l) => l.contact_source_id),
  );
  const rows: UpsertRow[] = [];
  for (const l of links) {
    const dealId = deals.get(l.deal_source_id);
    const contactId = contacts.get(l.contact_source_id);
    if (!dealId || !contactId) continue;
    rows.push({
      deal_id: dealId,
      contact_id: contactId,
      source: l.source,
      role: l.role ?? null,
      role_source: l.role_source ?? null,
      role_confidence: l.role_confidence ?? null,
      is_primary: l.is_primary ?? false,
    });
  }
  return bulkUpsert(q, DEAL_CONTACTS_TABLE, workspaceId, rows);
}

async function writeTransitions(q: Queryable, workspaceId: string, source: string, page: SyncPage) {
  const transitions = page.stageTransitions!;
  const deals = await lookupIds(
    q,
    workspaceId,
    'deals',
    source,
    transitions.map((t) => t.deal_source_id),
  );
  const rows: UpsertRow[] = [];
  for (const t of transitions) {
    const dealId = deals.get(t.deal_source_id);
    if (!dealId) continue;
    // An unknown from_stage is left out, not written as NULL: the lag() pass below owns it then.
    rows.push({
      deal_id: dealId,
      changed_at: t.changed_at,
      to_stage: t.to_stage,
      ...(t.from_stage ? { from_stage: t.from_stage } : {}),
      ...(t.from_stage_normalized ? { from_stage_normalized: t.from_stage_normalized } : {}),
      ...(t.to_stage_normalized ? { to_stage_normalized: t.to_stage_normalized } : {}),
      source: t.source,
    });
  }
  const withFrom = rows.filter((r) => 'from_stage' in r);
  const withoutFrom = rows.filter((r) => !('from_stage' in r));
  const counts = addCounts(
    await bulkUpsert(q, DEAL_STAGE_HISTORY_TABLE, workspaceId, withFrom),
    await bulkUpsert(q, DEAL_STAGE_HISTORY_TABLE, workspaceId, withoutFrom),
  );
  // A source that reports only "entered stage X at T" (OpportunityHistory) gets from_stage from the
  // previous transition of the same deal, set-based over the deals this page touched.
  const touched = [...new Set(rows.map((r) => String(r.deal_id)))];
  if (touched.length > 0) {
    await q.query(
      /* sql */ `UPDATE deal_stage_history h SET from_stage = p.prev
                 FROM (SELECT id, lag(to_stage) OVER (PARTITION BY deal_id ORDER BY changed_at, id) AS prev
                       FROM deal_stage_history
                       WHERE workspace_id = $1::uuid AND deal_id = ANY($2::uuid[]) AND source = ANY($3::text[])) p
                 WHERE h.workspace_id = $1::uuid AND h.id = p.id AND p.prev IS NOT NULL
                   AND h.from_stage IS DISTINCT FROM p.prev`,
      [workspaceId, touched, [...new Set(transitions.map((t) => t.source))]],
    );
  }
  return counts;
}

async function writeFieldChanges(q: Queryable, workspaceId: string, source: string, page: SyncPage) {
  const changes = page.dealFieldChanges!;
  const deals = await lookupIds(
    q,
    workspaceId,
    'deals',
    source,
    changes.map((c) => c.deal_source_id),
  );
  const rows: UpsertRow[] = [];
  for (const c of changes) {
    const dealId = deals.get(c.deal_source_id);
    if (!dealId) continue;
    rows.push({
      deal_id: dealId,
      field: c.field,
      old_value: c.old_value,
      new_value: c.new_value,
      changed_at: c.changed_at,
      source: c.source,
    });
  }
  return bulkUpsert(q, DEAL_FIELD_HISTORY_TABLE, workspaceId, rows);
}
