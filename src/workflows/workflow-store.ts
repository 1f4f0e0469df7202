/** The workflow tables' queries: definitions and their versions, engine provisioning state, mirrored runs. */
import type { Queryable } from '../db/db.ts';
import { NotFoundError } from '../errors.ts';
import { PIECES, type PieceKey } from './piece-catalog.ts';
import type { TreeIssue } from './tree-validator.ts';
import type { WorkflowTree } from './workflow-tree.ts';

export type WorkflowStatus = 'draft' | 'active' | 'paused' | 'error';

export interface WorkflowRow {
  id: string;
  name: string;
  description: string | null;
  template_id: string | null;
  trigger_type: WorkflowTree['trigger']['type'];
  tree: WorkflowTree;
  compiled: unknown;
  issues: TreeIssue[];
  version: number;
  status: WorkflowStatus;
  ap_flow_id: string | null;
  ap_version_id: string | null;
  deployed_version: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

const COLUMNS = /* sql */ `id, name, description, template_id, trigger_type, tree, compiled, issues, version,
  status, ap_flow_id, ap_version_id, deployed_version, last_error, created_at, updated_at`;

export interface SavedTree {
  name: string;
  description: string | null;
  templateId: string | null;
  tree: WorkflowTree;
  compiled: unknown;
  issues: TreeIssue[];
}

export async function insertWorkflow(q: Queryable, ws: string, w: SavedTree): Promise<WorkflowRow> {
  const { rows } = await q.query<WorkflowRow>(
    /* sql */ `INSERT INTO workflow_definitions
       (workspace_id, name, description, template_id, trigger_type, tree, compiled, issues)
     VALUES ($1::uuid, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb) RETURNING ${COLUMNS}`,
    [
      ws,
      w.name,
      w.description,
      w.templateId,
      w.tree.trigger.type,
      JSON.stringify(w.tree),
      w.compiled === null ? null : JSON.stringify(w.compiled),
      JSON.stringify(w.issues),
    ],
  );
  const row = rows[0]!;
  await insertVersion(q, ws, row);
  return row;
}

/** A new tree is a new version; the published flow keeps running until the next activation. */
export async function updateWorkflowTree(
  q: Queryable,
  ws: string,
  id: string,
  w: SavedTree,
): Promise<WorkflowRow> {
  const { rows } = await q.query<WorkflowRow>(
    /* sql */ `UPDATE workflow_definitions SET name = $3, description = $4, trigger_type = $5, tree = $6::jsonb,
       compiled = $7::jsonb, issues = $8::jsonb, version = version + 1, updated_at = now()
     WHERE workspace_id = $1::uuid AND id = $2::uuid RETURNING ${COLUMNS}`,
    [
      ws,
      id,
      w.name,
      w.description,
      w.tree.trigger.type,
      JSON.stringify(w.tree),
      w.compiled === null ? null : JSON.stringify(w.compiled),
      JSON.stringify(w.issues),
    ],
  );
  if (!rows[0]) throw new NotFoundError('workflow');
  await insertVersion(q, ws, rows[0]);
  return rows[0];
}

async function insertVersion(q: Queryable, ws: string, row: WorkflowRow) {
  await q.query(
    /* sql */ `INSERT INTO workflow_versions (workspace_id, workflow_id, version, tree, compiled)
     VALUES ($1::uuid, $2::uuid, $3::int, $4::jsonb, $5::jsonb)`,
    [
      ws,
      row.id,
      row.version,
      JSON.stringify(row.tree),
      row.compiled === null ? null : JSON.stringify(row.compiled),
    ],
  );
}

export async function getWorkflow(
  q: Queryable,
  ws: string,
  id: string,
  forUpdate = false,
): Promise<WorkflowRow> {
  const { rows } = await q.query<WorkflowRow>(
    `SELECT ${COLUMNS} FROM workflow_definitions WHERE workspace_id = $1::uuid AND id = $2::uuid${forUpdate ? ' FOR UPDATE' : ''}`,
    [ws, id],
  );
  if (!rows[0]) throw new NotFoundError('workflow');
  return rows[0];
}

export async function listWorkflows(q: Queryable, ws: string): Promise<WorkflowRow[]> {
  const { rows } = await q.query<WorkflowRow>(
    `SELECT ${COLUMNS} FROM workflow_definitions WHERE workspace_id = $1::uuid ORDER BY created_at DESC, id`,
    [ws],
  );
  return rows;
}

export async function deleteWorkflowRow(q: Queryable, ws: string, id: string): Promise<void> {
  await q.query(`DELETE FROM workflow_definitions WHERE workspace_id = $1::uuid AND id = $2::uuid`, [ws, id]);
}

export async function setWorkflowState(
  q: Queryable,
  ws: string,
  id: string,
  s: {
    status: WorkflowStatus;
    lastError: string | null;
    apFlowId?: string | null;
    apVersionId?: string | null;
    deployedVersion?: number | null;
    compiled?: unknown;
  },
): Promise<WorkflowRow> {
  const { rows } = await q.query<WorkflowRow>(
    /* sql */ `UPDATE workflow_definitions SET status = $3, last_error = $4,
       ap_flow_id = CASE WHEN $5::boolean THEN $6 ELSE ap_flow_id END,
       ap_version_id = CASE WHEN $7::boolean THEN $8 ELSE ap_version_id END,
       deployed_version = CASE WHEN $9::boolean THEN $10::int ELSE deployed_version END,
       compiled = CASE WHEN $11::boolean THEN $12::jsonb ELSE compiled END,
       updated_at = now()
     WHERE workspace_id = $1::uuid AND id = $2::uuid RETURNING ${COLUMNS}`,
    [
      ws,
      id,
      s.status,
      s.lastError,
      s.apFlowId !== undefined,
      s.apFlowId ?? null,
      s.apVersionId !== undefined,
      s.apVersionId ?? null,
      s.deployedVersion !== undefined,
      s.deployedVersion ?? null,
      s.compiled !== undefined,
      s.compiled === undefined ? null : JSON.stringify(s.compiled),
    ],
  );
  if (!rows[0]) throw new NotFoundError('workflow');
  return rows[0];
}

export async function activeWorkflowsFor(
  q: Queryable,
  ws: string,
  triggerType: string,
): Promise<WorkflowRow[]> {
  const { rows } = await q.query<WorkflowRow>(
    `SELECT ${COLUMNS} FROM workflow_definitions
     WHERE workspace_id = $1::uuid AND trigger_type = $2 AND status = 'active' AND ap_flow_id IS NOT NULL`,
    [ws, triggerType],
  );
  return rows;
}

// ── engine provisioning state ─────────────────────────────────────────────────────────────────────

export async function engineProjectId(q: Queryable, ws: string): Promise<string | null> {
  const { rows } = await q.query<{ ap_project_id: string }>(
    `SELECT ap_project_id FROM workflow_engine_projects WHERE workspace_id = $1::uuid`,
    [ws],
  );
  return rows[0]?.ap_project_id ?? null;
}

export async function saveEngineProject(q: Queryable, ws: string, projectId: string): Promise<void> {
  await q.query(
    /* sql */ `INSERT INTO workflow_engine_projects (workspace_id, ap_project_id) VALUES ($1::uuid, $2)
     ON CONFLICT (workspace_id) DO UPDATE SET ap_project_id = EXCLUDED.ap_project_id`,
    [ws, projectId],
  );
}

export interface AppConnectionRow {
  piece: PieceKey;
  external_id: string;
  ap_connection_id: string | null;
  status: 'active' | 'needs_consent' | 'error';
  message: string | null;
  updated_at: string;
}

export async function listAppConnections(q: Queryable, ws: string): Promise<AppConnectionRow[]> {
  const { rows } = await q.query<AppConnectionRow>(
    `SELECT piece, external_id, ap_connection_id, status, message, updated_at FROM workflow_app_connections
     WHERE workspace_id = $1::uuid ORDER BY piece`,
    [ws],
  );
  return rows;
}

export async function saveAppConnection(
  q: Queryable,
  ws: string,
  c: Omit<AppConnectionRow, 'updated_at'>,
): Promise<void> {
  await q.query(
    /* sql */ `INSERT INTO workflow_app_connections (workspace_id, piece, external_id, ap_connection_id, status, message)
     VALUES ($1::uuid, $2, $3, $4, $5, $6)
     ON CONFLICT (workspace_id, piece) DO UPDATE SET external_id = EXCLUDED.external_id,
       ap_connection_id = COALESCE(EXCLUDED.ap_connection_id, workflow_app_connections.ap_connection_id),
       status = EXCLUDED.status, message = EXCLUDED.message, updated_at = now()`,
    [ws, c.piece, c.external_id, c.ap_connection_id, c.status, c.message],
  );
}

/**
 * Connectors a workspace can act through: its Pandora connections, Slack when its settings exist, and
 * pieces whose app connection the engine already holds.
 */
export async function workspaceConnectors(q: Queryable, ws: string): Promise<Set<string>> {
  const { rows } = await q.query<{ name: string }>(
    /* sql */ `SELECT connector_name AS name FROM connections WHERE workspace_id = $1::uuid AND status <> 'disconnected'
     UNION SELECT 'slack' FROM slack_settings WHERE workspace_id = $1::uuid
     UNION SELECT piece FROM workflow_app_connections WHERE workspace_id = $1::uuid AND status = 'active'`,
    [ws],
  );
  const out = new Set<string>();
  for (const r of rows) {
    out.add(r.name);
    const piece = PIECES[r.name as PieceKey];
    if (piece?.connector) out.add(piece.connector);
  }
  return out;
}
