/**
 * The workflow lifecycle: design (validate and compile, stored beside the tree), activate (project →
 * connections → installed piece versions → flow → IMPORT_FLOW → LOCK_AND_PUBLISH), pause, execute now,
 * delete. No transaction is held across a call to the engine. Without an engine (degraded mode) every
 * design route works and the lifecycle answers 409 saying no engine is connected.
 */
import type { Config } from '../config.ts';
import type { Db, Queryable } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import {
  type ActivePiecesClient,
  ActivePiecesError,
  activePiecesFromConfig,
  EngineNotConfiguredError,
} from './activepieces-client.ts';
import { compileWorkflow, connectionsUsed, piecesUsed } from './flow-compiler.ts';
import { checkFlowVersion } from './flow-version.ts';
import { connectionExternalId, PIECES, type PieceKey } from './piece-catalog.ts';
import { validateTree, type TreeValidation } from './tree-validator.ts';
import { insertRun, markRunFailed, type WorkflowRunRow } from './workflow-runs.ts';
import {
  deleteWorkflowRow,
  engineProjectId,
  getWorkflow,
  insertWorkflow,
  listAppConnections,
  type SavedTree,
  saveAppConnection,
  saveEngineProject,
  setWorkflowState,
  updateWorkflowTree,
  type WorkflowRow,
  workspaceConnectors,
} from './workflow-store.ts';

export interface WorkflowDeps {
  db: Db;
  config: Config;
  log: Logger;
}

const engines = new WeakMap<Config, ActivePiecesClient | null>();

/** The engine client for this deployment (one per configuration), or null in degraded mode. */
export function engineFor(config: Config): ActivePiecesClient | null {
  if (!engines.has(config)) engines.set(config, activePiecesFromConfig(config));
  return engines.get(config)!;
}

function requireEngine(config: Config, what: string): ActivePiecesClient {
  const engine = engineFor(config);
  if (!engine) throw new EngineNotConfiguredError(what);
  return engine;
}

export async function validateForWorkspace(
  q: Queryable,
  ws: string,
  config: Config,
  tree: unknown,
): Promise<TreeValidation> {
  return validateTree(tree, { connectors: await workspaceConnectors(q, ws), publicUrl: config.publicUrl });
}

/** Validates and compiles for storage; a tree whose shape is wrong is refused, one with errors is kept as a draft. */
export async function designWorkflow(
  q: Queryable,
  ws: string,
  config: Config,
  input: { name: string; description?: string | undefined; tree: unknown; templateId?: string | null },
): Promise<SavedTree> {
  const v = await validateForWorkspace(q, ws, config, input.tree);
  if (!v.tree)
    throw new ValidationError(`invalid tree: ${v.issues[0]!.path}: ${v.issues[0]!.message}`, {
      issues: v.issues,
    });
  return {
    name: input.name,
    description: input.description ?? null,
    templateId: input.templateId ?? null,
    tree: v.tree,
    compiled: v.valid
      ? compileWorkflow(v.tree, { displayName: input.name, workspaceId: ws, publicUrl: config.publicUrl })
      : null,
    issues: v.issues,
  };
}

export async function createWorkflow(
  q: Queryable,
  ws: string,
  config: Config,
  input: Parameters<typeof designWorkflow>[3],
) {
  return insertWorkflow(q, ws, await designWorkflow(q, ws, config, input));
}

export async function updateWorkflow(
  q: Queryable,
  ws: string,
  config: Config,
  id: string,
  input: { name?: string | undefined; description?: string | undefined; tree?: unknown },
) {
  const current = await getWorkflow(q, ws, id, true);
  const saved = await designWorkflow(q, ws, config, {
    name: input.name ?? current.name,
    description: input.description ?? current.description ?? undefined,
    tree: input.tree ?? current.tree,
    templateId: current.template_id,
  });
  return updateWorkflowTree(q, ws, id, saved);
}

/** The workspace's engine project, created on first use and mapped by external id (the workspace id). */
async function ensureProject(deps: WorkflowDeps, engine: ActivePiecesClient, ws: string): Promise<string> {
  const known = await withWorkspace(deps.db, ws, (tx) => engineProjectId(tx, ws));
  if (known) return known;
  const project = await engine.ensureProject(ws, `Pandora ${ws.slice(0, 8)}`);
  await withWorkspace(deps.db, ws, (tx) => saveEngineProject(tx, ws, project.id));
  return project.id;
}

/**
 * Makes sure every connection a flow names exists in the engine. OAuth2 pieces cannot be created from
 * stored tokens (the engine exchanges an authorization code itself), so they are reported as needing
 * the consent step rather than failing at run time.
 */
async function requireConnections(
  deps: WorkflowDeps,
  ws: string,
  pieces: readonly PieceKey[],
): Promise<void> {
  if (pieces.length === 0) return;
  const known = new Map(
    (await withWorkspace(deps.db, ws, (tx) => listAppConnections(tx, ws))).map((c) => [c.piece, c]),
  );
  const missing: string[] = [];
  for (const piece of pieces) {
    if (known.get(piece)?.status === 'active') continue;
    const message =
      PIECES[piece].auth === 'OAUTH2'
        ? `${piece} connects by OAuth: complete the consent step (POST …/workflow-connectors/${piece}/consent with the authorization code)`
        : `${piece} has no app connection in the engine yet`;
    await withWorkspace(deps.db, ws, (tx) =>
      saveAppConnection(tx, ws, {
        piece,
        external_id: connectionExternalId(piece),
        ap_connection_id: null,
        status: 'needs_consent',
        message,
      }),
    );
    missing.push(message);
  }
  if (missing.length > 0)
    throw new ConflictError(`the workflow's connections are not ready: ${missing.join('; ')}`);
}

export async function activateWorkflow(deps: WorkflowDeps, ws: string, id: string): Promise<WorkflowRow> {
  const engine = requireEngine(deps.config, 'activating a workflow');
  const { row, validation } = await withWorkspace(deps.db, ws, async (tx) => {
    const row = await getWorkflow(tx, ws, id);
    return { row, validation: await validateForWorkspace(tx, ws, deps.config, row.tree) };
  });
  if (!validation.valid) {
    const first = validation.issues.find((i) => i.severity === 'error')!;
    throw new ConflictError(`the workflow has errors; first: ${first.path}: ${first.message}`);
  }
  const tree = validation.tree;
  let flowId = row.ap_flow_id;
  try {
    const projectId = await ensureProject(deps, engine, ws);
    await requireConnections(deps, ws, connectionsUsed(tree));
    const pieceVersions: Record<string, string> = {};
    for (const name of piecesUsed(tree)) pieceVersions[name] = await engine.pieceVersion(name);
    const flow = flowId
      ? await engine.getFlow(flowId)
      : await engine.createFlow(projectId, row.name, `pandora-${row.id}`);
    flowId = flow.id;
    const compiled = compileWorkflow(tree, {
      displayName: row.name,
      workspaceId: ws,
      publicUrl: deps.config.publicUrl,
      // The engine's own schema version, so it runs no migrations over what we send (reference §3).
      schemaVersion: flow.version?.schemaVersion ?? null,
      pieceVersions,
    });
    const problems = checkFlowVersion(compiled);
    if (problems.length > 0) throw new Error(`compiled flow is malformed: ${JSON.stringify(problems)}`);
    // Steps go only in IMPORT_FLOW; publishing is a second call (issue #8436: steps sent with
    // LOCK_AND_PUBLISH are dropped and an empty flow is published with 200 OK).
    await engine.importFlow(flowId, compiled);
    const published = await engine.flowOperation(flowId, 'LOCK_AND_PUBLISH', { status: 'ENABLED' });
    if (
      published.status !== 'ENABLED' ||
      !published.publishedVersionId ||
      !published.version?.trigger?.nextAction
    )
      throw new ActivePiecesError(
        200,
        'NOT_PUBLISHED',
        'the engine did not publish an enabled flow with steps',
      );
    return await withWorkspace(deps.db, ws, (tx) =>
      setWorkflowState(tx, ws, id, {
        status: 'active',
        lastError: null,
        apFlowId: flowId,
        apVersionId: published.publishedVersionId,
        deployedVersion: row.version,
        compiled,
      }),
    );
  } catch (err) {
    if (!(err instanceof ConflictError) || err instanceof EngineNotConfiguredError) {
      await withWorkspace(deps.db, ws, (tx) =>
        setWorkflowState(tx, ws, id, {
          status: 'error',
          lastError: err instanceof Error ? err.message : String(err),
          apFlowId: flowId,
        }),
      );
    }
    throw err;
  }
}

export async function pauseWorkflow(deps: WorkflowDeps, ws: string, id: string): Promise<WorkflowRow> {
  const row = await withWorkspace(deps.db, ws, (tx) => getWorkflow(tx, ws, id));
  if (!row.ap_flow_id)
    return withWorkspace(deps.db, ws, (tx) =>
      setWorkflowState(tx, ws, id, { status: 'paused', lastError: null }),
    );
  const engine = requireEngine(deps.config, 'pausing a provisioned workflow');
  const flow = await engine.flowOperation(row.ap_flow_id, 'CHANGE_STATUS', { status: 'DISABLED' });
  // Issue #15277: a trigger whose unsubscribe fails leaves the flow enabled; say so rather than pretend.
  if (flow.status !== 'DISABLED')
    throw new ActivePiecesError(200, 'STILL_ENABLED', 'the engine left the flow enabled; try again');
  return withWorkspace(deps.db, ws, (tx) =>
    setWorkflowState(tx, ws, id, { status: 'paused', lastError: null }),
  );
}

/** Starts a run now through the flow's webhook trigger; the monitor fills in what the engine reports. */
export async function executeWorkflow(
  deps: WorkflowDeps,
  ws: string,
  id: string,
  payload: Record<string, unknown>,
): Promise<WorkflowRunRow> {
  const engine = requireEngine(deps.config, 'running a workflow');
  const row = await withWorkspace(deps.db, ws, (tx) => getWorkflow(tx, ws, id));
  if (row.status !== 'active' || !row.ap_flow_id) throw new ConflictError('only an active workflow can run');
  if (row.trigger_type === 'schedule')
    throw new ConflictError('a scheduled workflow runs on its schedule; it has no trigger to call');
  const run = await withWorkspace(deps.db, ws, (tx) =>
    insertRun(tx, ws, {
      workflowId: id,
      version: row.deployed_version ?? row.version,
      trigger: 'manual',
      eventKey: null,
    }),
  );
  if (!run) throw new ConflictError('the run was already started');
  try {
    await engine.triggerWebhook(row.ap_flow_id, { ...payload, event_id: run.id });
  } catch (err) {
    await withWorkspace(deps.db, ws, (tx) => markRunFailed(tx, ws, run.id, (err as Error).message));
    throw err;
  }
  return run;
}

export async function deleteWorkflow(deps: WorkflowDeps, ws: string, id: string): Promise<void> {
  const row = await withWorkspace(deps.db, ws, (tx) => getWorkflow(tx, ws, id));
  if (row.ap_flow_id) {
    const engine = requireEngine(deps.config, 'deleting a provisioned workflow');
    try {
      await engine.deleteFlow(row.ap_flow_id);
    } catch (err) {
      // Already gone on the engine's side: nothing left to remove there.
      if (!(err instanceof ActivePiecesError && (err.status === 404 || err.apCode === 'ENTITY_NOT_FOUND')))
        throw err;
    }
  }
  await withWorkspace(deps.db, ws, (tx) => deleteWorkflowRow(tx, ws, id));
}

/** The OAuth consent step: the engine exchanges the authorization code for tokens (reference §5). */
export async function completeConsent(
  deps: WorkflowDeps,
  ws: string,
  piece: PieceKey,
  body: { client_id: string; client_secret: string; code: string; redirect_url: string; scope: string },
) {
  if (PIECES[piece].auth !== 'OAUTH2') throw new ValidationError(`${piece} does not connect by OAuth`);
  const engine = requireEngine(deps.config, 'connecting an app');
  const projectId = await ensureProject(deps, engine, ws);
  const externalId = connectionExternalId(piece);
  const conn = await engine.upsertConnection({
    externalId,
    displayName: `Pandora ${piece}`,
    pieceName: PIECES[piece].pieceName,
    projectId,
    type: 'OAUTH2',
    value: { type: 'OAUTH2', ...body, grant_type: 'authorization_code' },
  });
  const status = conn.status === 'ACTIVE' ? 'active' : 'error';
  await withWorkspace(deps.db, ws, (tx) =>
    saveAppConnection(tx, ws, {
      piece,
      external_id: externalId,
      ap_connection_id: conn.id,
      status,
      message: status === 'active' ? null : `the engine reports the connection ${conn.status}`,
    }),
  );
  return { piece, external_id: externalId, status };
}

export async function engineStatus(deps: WorkflowDeps, ws: string) {
  const engine = engineFor(deps.config);
  const { projectId, connections } = await withWorkspace(deps.db, ws, async (tx) => ({
    projectId: await engineProjectId(tx, ws),
    connections: await listAppConnections(tx, ws),
  }));
  return {
    configured: engine !== null,
    engine_host: deps.config.activepieces ? new URL(deps.config.activepieces.url).host : null,
    project_id: projectId,
    connections,
    message: engine
      ? null
      : 'no workflow engine is connected: workflows are designed, validated and compiled only',
  };
}
