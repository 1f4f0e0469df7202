/**
 * Workflows: CRUD, validation and compile preview, lifecycle (activate, pause, execute), runs, templates,
 * the connector registry and its per-workspace status, and the engine status. Design routes work without
 * an engine; lifecycle routes answer 409 when none is configured.
 */
import { Router } from 'express';
import { z } from 'zod';
import { compileWorkflow } from '../../workflows/flow-compiler.ts';
import { ACTION_SPECS, PIECES, type PieceKey, UNCONFIRMED } from '../../workflows/piece-catalog.ts';
import { buildFromTemplate, templateView, WORKFLOW_TEMPLATES } from '../../workflows/workflow-templates.ts';
import { getRun, listRuns } from '../../workflows/workflow-runs.ts';
import {
  activateWorkflow,
  completeConsent,
  createWorkflow,
  deleteWorkflow,
  engineStatus,
  executeWorkflow,
  pauseWorkflow,
  updateWorkflow,
  validateForWorkspace,
} from '../../workflows/workflow-service.ts';
import {
  getWorkflow,
  listAppConnections,
  listWorkflows,
  type WorkflowRow,
  workspaceConnectors,
} from '../../workflows/workflow-store.ts';
import { type AppDeps, inRequestWorkspace, workspaceOf } from '../deps.ts';
import type { RouteDoc } from '../openapi/openapi-document.ts';
import { fromZod, routeDoc, WS } from '../openapi/route-doc-builders.ts';
import { created, dataList, ok } from '../openapi/schema-builders.ts';
import {
  consentSchema,
  engineStatusSchema,
  pieceRegistrySchema,
  pieceStatusSchema,
  treeCompileSchema,
  treeValidationSchema,
  workflowRunSchema,
  workflowSchema,
  workflowTemplatesSchema,
} from '../openapi/schemas/workflow-schemas.ts';
import { parseInput, uuidParam } from '../request-validation.ts';

const name = z.string().trim().min(1).max(200);
const description = z.string().max(2000).optional();
// The tree's own schema runs in the validator, so its errors come back with tree paths.
const treeInput = z.record(z.string(), z.unknown());

const createBody = z.object({ name, description, tree: treeInput }).strict();
const updateBody = z.object({ name: name.optional(), description, tree: treeInput.optional() }).strict();
const treeBody = z.object({ tree: treeInput, name: name.optional() }).strict();
const executeBody = z.object({ payload: z.record(z.string(), z.unknown()).default({}) }).strict();
const instantiateBody = z
  .object({
    name: name.optional(),
    params: z.record(z.string().max(100), z.string().min(1).max(2000)).default({}),
  })
  .strict();
const consentBody = z
  .object({
    client_id: z.string().min(1).max(500),
    client_secret: z.string().min(1).max(500),
    code: z.string().min(1).max(2000),
    redirect_url: z.string().url().max(2000),
    scope: z.string().max(2000).default(''),
  })
  .strict();
const runsQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict();
const templateParam = z.string().regex(/^[a-z0-9-]{1,100}$/);
const pieceParam = z.enum(Object.keys(PIECES) as [PieceKey, ...PieceKey[]]);

function workflowView(w: WorkflowRow) {
  return {
    id: w.id,
    name: w.name,
    description: w.description,
    template_id: w.template_id,
    status: w.status,
    trigger_type: w.trigger_type,
    tree: w.tree,
    issues: w.issues,
    valid: !w.issues.some((i) => i.severity === 'error'),
    compiled: w.compiled,
    version: w.version,
    deployed_version: w.deployed_version,
    engine: { flow_id: w.ap_flow_id, published_version_id: w.ap_version_id },
    last_error: w.last_error,
    created_at: w.created_at,
    updated_at: w.updated_at,
  };
}

export function workflowRoutes(deps: AppDeps): Router {
  const r = Router();
  const id = (raw: string | undefined) => parseInput(uuidParam, raw, 'path');

  r.get('/workflows', async (_req, res) => {
    res.json({ data: (await inRequestWorkspace(deps, res, listWorkflows)).map(workflowView) });
  });
  r.post('/workflows', async (req, res) => {
    const body = parseInput(createBody, req.body, 'body');
    const row = await inRequestWorkspace(deps, res, (tx, ws) => createWorkflow(tx, ws, deps.config, body));
    res.status(201).json(workflowView(row));
  });
  r.post('/workflows/validate', async (req, res) => {
    const body = parseInput(treeBody, req.body, 'body');
    const v = await inRequestWorkspace(deps, res, (tx, ws) =>
      validateForWorkspace(tx, ws, deps.config, body.tree),
    );
    res.json({ valid: v.valid, issues: v.issues });
  });
  r.post('/workflows/compile', async (req, res) => {
    const body = parseInput(treeBody, req.body, 'body');
    const ws = workspaceOf(res);
    const v = await inRequestWorkspace(deps, res, (tx) =>
      validateForWorkspace(tx, ws, deps.config, body.tree),
    );
    const flow = v.valid
      ? compileWorkflow(v.tree, {
          displayName: body.name ?? 'Preview',
          workspaceId: ws,
          publicUrl: deps.config.publicUrl,
        })
      : null;
    res.json({ valid: v.valid, issues: v.issues, flow });
  });
  r.get('/workflows/:workflowId', async (req, res) => {
    const wid = id(req.params.workflowId);
    res.json(workflowView(await inRequestWorkspace(deps, res, (tx, ws) => getWorkflow(tx, ws, wid))));
  });
  r.put('/workflows/:workflowId', async (req, res) => {
    const wid = id(req.params.workflowId);
    const body = parseInput(updateBody, req.body, 'body');
    const row = await inRequestWorkspace(deps, res, (tx, ws) =>
      updateWorkflow(tx, ws, deps.config, wid, body),
    );
    res.json(workflowView(row));
  });
  r.delete('/workflows/:workflowId', async (req, res) => {
    await deleteWorkflow(deps, workspaceOf(res), id(req.params.workflowId));
    res.status(204).end();
  });
  r.post('/workflows/:workflowId/activate', async (req, res) => {
    res.json(workflowView(await activateWorkflow(deps, workspaceOf(res), id(req.params.workflowId))));
  });
  r.post('/workflows/:workflowId/pause', async (req, res) => {
    res.json(workflowView(await pauseWorkflow(deps, workspaceOf(res), id(req.params.workflowId))));
  });
  r.post('/workflows/:workflowId/execute', async (req, res) => {
    const wid = id(req.params.workflowId);
    const body = parseInput(executeBody, req.body, 'body');
    res.status(202).json(await executeWorkflow(deps, workspaceOf(res), wid, body.payload));
  });
  r.get('/workflows/:workflowId/runs', async (req, res) => {
    const wid = id(req.params.workflowId);
    const q = parseInput(runsQuery, req.query, 'query');
    const data = await inRequestWorkspace(deps, res, async (tx, ws) => {
      await getWorkflow(tx, ws, wid);
      return listRuns(tx, ws, wid, q.limit);
    });
    res.json({ data });
  });
  r.get('/workflows/:workflowId/runs/:runId', async (req, res) => {
    const wid = id(req.params.workflowId);
    const rid = id(req.params.runId);
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => getRun(tx, ws, wid, rid)));
  });

  r.get('/workflow-templates', (_req, res) => {
    res.json({ data: WORKFLOW_TEMPLATES.map(templateView) });
  });
  r.post('/workflow-templates/:templateId/instantiate', async (req, res) => {
    const templateId = parseInput(templateParam, req.params.templateId, 'path');
    const body = parseInput(instantiateBody, req.body, 'body');
    const { template, tree } = buildFromTemplate(templateId, body.params);
    const row = await inRequestWorkspace(deps, res, (tx, ws) =>
      createWorkflow(tx, ws, deps.config, {
        name: body.name ?? template.name,
        description: template.description,
        tree,
        templateId,
      }),
    );
    res.status(201).json(workflowView(row));
  });

  r.get('/workflow-connectors', (_req, res) => {
    res.json({
      data: Object.entries(PIECES).map(([key, p]) => ({
        key,
        piece_name: p.pieceName,
        version: p.version,
        auth: p.auth,
        connector: p.connector,
        actions: Object.entries(ACTION_SPECS)
          .filter(([, s]) => s.piece === key)
          .map(([action, s]) => ({
            action,
            action_name: s.actionName,
            unconfirmed: s.unconfirmed ? UNCONFIRMED[s.unconfirmed] : null,
          })),
      })),
      unconfirmed: UNCONFIRMED,
    });
  });
  r.get('/workflow-connectors/status', async (_req, res) => {
    const { connectors, connections } = await inRequestWorkspace(deps, res, async (tx, ws) => ({
      connectors: await workspaceConnectors(tx, ws),
      connections: await listAppConnections(tx, ws),
    }));
    res.json({
      data: Object.entries(PIECES).map(([key, p]) => ({
        key,
        usable: p.connector === null || connectors.has(p.connector),
        engine_connection: connections.find((c) => c.piece === key) ?? null,
      })),
    });
  });
  r.post('/workflow-connectors/:piece/consent', async (req, res) => {
    const piece = parseInput(pieceParam, req.params.piece, 'path');
    const body = parseInput(consentBody, req.body, 'body');
    res.json(await completeConsent(deps, workspaceOf(res), piece, body));
  });
  r.get('/workflow-engine', async (_req, res) => {
    res.json(await engineStatus(deps, workspaceOf(res)));
  });
  return r;
}

export function workflowRouteDocs(): RouteDoc[] {
  const one = `${WS}/workflows/:workflowId`;
  const limit = [
    { name: 'limit', in: 'query' as const, schema: { type: 'integer', minimum: 1, maximum: 200 } },
  ];
  return [
    routeDoc('get', `${WS}/workflows`, 'workflows', 'Workflows with their tree, issues and compiled flow', {
      response: ok(dataList(workflowSchema)),
    }),
    routeDoc(
      'post',
      `${WS}/workflows`,
      'workflows',
      'Create a workflow from a tree (kept as a draft while it has errors)',
      {
        requestBody: fromZod(createBody),
        response: created(workflowSchema),
      },
    ),
    routeDoc(
      'post',
      `${WS}/workflows/validate`,
      'workflows',
      'Validate a tree: every problem with its path',
      {
        requestBody: fromZod(treeBody),
        response: ok(treeValidationSchema),
      },
    ),
    routeDoc(
      'post',
      `${WS}/workflows/compile`,
      'workflows',
      'Dry-run compile: the ActivePieces flow version a tree becomes',
      {
        requestBody: fromZod(treeBody),
        response: ok(treeCompileSchema),
      },
    ),
    routeDoc('get', one, 'workflows', 'One workflow', { response: ok(workflowSchema) }),
    routeDoc('put', one, 'workflows', 'Change the name, description or tree (a new version)', {
      requestBody: fromZod(updateBody),
      response: ok(workflowSchema),
    }),
    routeDoc('delete', one, 'workflows', 'Delete a workflow and its flow in the engine'),
    routeDoc(
      'post',
      `${one}/activate`,
      'workflows',
      'Compile, import, publish and enable in the engine (409 without one)',
      { response: ok(workflowSchema) },
    ),
    routeDoc('post', `${one}/pause`, 'workflows', 'Disable the flow in the engine', {
      response: ok(workflowSchema),
    }),
    routeDoc('post', `${one}/execute`, 'workflows', 'Start a run now through the flow webhook trigger', {
      requestBody: fromZod(executeBody),
      response: {
        status: 202,
        description: 'run recorded; the monitor fills in its result',
        schema: workflowRunSchema,
      },
    }),
    routeDoc('get', `${one}/runs`, 'workflows', 'Runs mirrored from the engine, newest first', {
      parameters: limit,
      response: ok(dataList(workflowRunSchema)),
    }),
    routeDoc('get', `${one}/runs/:runId`, 'workflows', 'One run with its per-step results', {
      response: ok(workflowRunSchema),
    }),
    routeDoc(
      'get',
      `${WS}/workflow-templates`,
      'workflows',
      'Built-in workflow templates and their parameters',
      { response: ok(workflowTemplatesSchema) },
    ),
    routeDoc(
      'post',
      `${WS}/workflow-templates/:templateId/instantiate`,
      'workflows',
      'Create a workflow from a template',
      {
        requestBody: fromZod(instantiateBody),
        response: created(workflowSchema),
      },
    ),
    routeDoc(
      'get',
      `${WS}/workflow-connectors`,
      'workflows',
      'The piece registry: packages, pinned versions, actions, unconfirmed names',
      { response: ok(pieceRegistrySchema) },
    ),
    routeDoc(
      'get',
      `${WS}/workflow-connectors/status`,
      'workflows',
      'Which pieces this workspace can use, and their engine connections',
      { response: ok(pieceStatusSchema) },
    ),
    routeDoc(
      'post',
      `${WS}/workflow-connectors/:piece/consent`,
      'workflows',
      'Complete an OAuth consent: the engine exchanges the code',
      {
        requestBody: fromZod(consentBody),
        response: ok(consentSchema),
      },
    ),
    routeDoc(
      'get',
      `${WS}/workflow-engine`,
      'workflows',
      'Whether an engine is connected, the project, the app connections',
      { response: ok(engineStatusSchema) },
    ),
  ];
}
