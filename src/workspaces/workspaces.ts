/** Workspaces: the tenants. Creation and listing are admin (cross-tenant) operations. */
import type { Queryable } from '../db/db.ts';
import { NotFoundError } from '../errors.ts';

interface WorkspaceRow {
  id: string;
  name: string;
  settings: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

export interface Workspace {
  id: string;
  name: string;
  settings: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

function toWorkspace(r: WorkspaceRow): Workspace {
  return {
    id: r.id,
    name: r.name,
    settings: r.settings,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

const COLUMNS = 'id, name, settings, created_at, updated_at';

export async function createWorkspace(
  q: Queryable,
  input: { name: string; settings?: Record<string, unknown> },
): Promise<Workspace> {
  const { rows } = await q.query<WorkspaceRow>(
    /* sql */ `INSERT INTO workspaces (name, settings) VALUES ($1, $2::jsonb) RETURNING ${COLUMNS}`,
    [input.name, JSON.stringify(input.settings ?? {})],
  );
  // Every workspace has exactly one context layer row, created empty with it.
  await q.query('INSERT INTO context_layer (workspace_id) VALUES ($1::uuid)', [rows[0]!.id]);
  return toWorkspace(rows[0]!);
}

export async function listWorkspaces(q: Queryable): Promise<Workspace[]> {
  const { rows } = await q.query<WorkspaceRow>(`SELECT ${COLUMNS} FROM workspaces ORDER BY created_at, id`);
  return rows.map(toWorkspace);
}

export async function getWorkspace(q: Queryable, workspaceId: string): Promise<Workspace> {
  const { rows } = await q.query<WorkspaceRow>(`SELECT ${COLUMNS} FROM workspaces WHERE id = $1::uuid`, [
    workspaceId,
  ]);
  if (!rows[0]) throw new NotFoundError('workspace');
  return toWorkspace(rows[0]);
}

export async function updateWorkspace(
  q: Queryable,
  workspaceId: string,
  patch: { name?: string; settings?: Record<string, unknown> },
): Promise<Workspace> {
  const { rows } = await q.query<WorkspaceRow>(
    /* sql */ `UPDATE workspaces
       SET name = coalesce($2, name),
           settings = coalesce($3::jsonb, settings),
           updated_at = now()
     WHERE id = $1::uuid
     RETURNING ${COLUMNS}`,
    [workspaceId, patch.name ?? null, patch.settings ? JSON.stringify(patch.settings) : null],
  );
  if (!rows[0]) throw new NotFoundError('workspace');
  return toWorkspace(rows[0]);
}

/** Deletes the workspace and, through ON DELETE CASCADE, every row it owns. */
export async function deleteWorkspace(q: Queryable, workspaceId: string): Promise<void> {
  const { rowCount } = await q.query('DELETE FROM workspaces WHERE id = $1::uuid', [workspaceId]);
  if (rowCount === 0) throw new NotFoundError('workspace');
}
