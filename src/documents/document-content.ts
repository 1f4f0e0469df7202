/**
 * On-demand document text: exported from the source (Drive) the first time it is asked for and cached in
 * documents.content. content_status: fetched, unsupported (a binary we cannot turn into text),
 * unavailable (deleted or unshared at the source: 410), or error.
 */
import type { ConnectorContext } from '../connectors/adapter.ts';
import { getAdapter, hasAdapter } from '../connectors/registry.ts';
import type { Db } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { GoneError, NotFoundError, ValidationError } from '../errors.ts';

export interface DocumentContentDeps {
  db: Db;
  contextFor(workspaceId: string, connectorName: string): Promise<ConnectorContext>;
}

export interface DocumentContent {
  document_id: string;
  source: string;
  mime_type: string;
  cached: boolean;
  fetched_at: string;
  content: string;
}

interface DocumentRow {
  id: string;
  source: string;
  source_id: string;
  content_status: string;
  content: string | null;
  content_mime_type: string | null;
  content_fetched_at: string | Date | null;
}

const iso = (v: string | Date | null) =>
  v instanceof Date ? v.toISOString() : (v ?? new Date().toISOString());

async function setStatus(db: Db, workspaceId: string, id: string, status: string) {
  await withWorkspace(db, workspaceId, (tx) =>
    tx.query(
      /* sql */ `UPDATE documents SET content_status = $3::text, updated_at = now()
                 WHERE workspace_id = $1::uuid AND id = $2::uuid`,
      [workspaceId, id, status],
    ),
  );
}

export async function getDocumentContent(
  deps: DocumentContentDeps,
  workspaceId: string,
  documentId: string,
  options: { refresh?: boolean } = {},
): Promise<DocumentContent> {
  const row = await withWorkspace(deps.db, workspaceId, async (tx) => {
    const { rows } = await tx.query<DocumentRow>(
      /* sql */ `SELECT id, source, source_id, content_status, content, content_mime_type, content_fetched_at
                 FROM documents WHERE workspace_id = $1::uuid AND id = $2::uuid`,
      [workspaceId, documentId],
    );
    return rows[0];
  });
  if (!row) throw new NotFoundError(`document ${documentId}`);
  const unsupported = () => new ValidationError(`this ${row.source} file has no text content to export`);
  const gone = () => new GoneError(`${row.source} no longer has this document (deleted or no longer shared)`);
  if (!options.refresh) {
    if (row.content_status === 'fetched' && row.content !== null)
      return {
        document_id: row.id,
        source: row.source,
        mime_type: row.content_mime_type ?? 'text/plain',
        cached: true,
        fetched_at: iso(row.content_fetched_at),
        content: row.content,
      };
    if (row.content_status === 'unavailable') throw gone();
    if (row.content_status === 'unsupported') throw unsupported();
  }
  const adapter = hasAdapter(row.source) ? getAdapter(row.source) : undefined;
  if (!adapter?.fetchDocumentContent) throw new NotFoundError(`a content source for ${row.source} documents`);
  const ctx = await deps.contextFor(workspaceId, row.source);
  let out: { mimeType: string; text: string } | null;
  try {
    // null: the file exists but has no text form; GoneError: the source no longer has it.
    out = await adapter.fetchDocumentContent(ctx, row.source_id);
  } catch (err) {
    await setStatus(deps.db, workspaceId, row.id, err instanceof GoneError ? 'unavailable' : 'error');
    throw err instanceof GoneError ? gone() : err;
  }
  if (!out) {
    await setStatus(deps.db, workspaceId, row.id, 'unsupported');
    throw unsupported();
  }
  const fetchedAt = await withWorkspace(deps.db, workspaceId, async (tx) => {
    const { rows } = await tx.query<{ content_fetched_at: string | Date }>(
      /* sql */ `UPDATE documents SET content = $3::text, content_mime_type = $4::text, content_status = 'fetched',
                        content_fetched_at = now(), updated_at = now()
                 WHERE workspace_id = $1::uuid AND id = $2::uuid RETURNING content_fetched_at`,
      [workspaceId, row.id, out.text, out.mimeType],
    );
    return rows[0]?.content_fetched_at ?? null;
  });
  return {
    document_id: row.id,
    source: row.source,
    mime_type: out.mimeType,
    cached: false,
    fetched_at: iso(fetchedAt),
    content: out.text,
  };
}
