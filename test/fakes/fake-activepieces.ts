/**
 * A fake ActivePieces server built from the reference: platform projects (looked up by external id),
 * flows and their operations (IMPORT_FLOW checked against the flow version shape, LOCK_AND_PUBLISH,
 * CHANGE_STATUS), flow runs with cursor pages (newest first), app connection upserts, piece versions,
 * and webhook triggers (410 for an unknown flow, 404 for a disabled one). Errors use ActivePieces'
 * `{code, params}` shape; faults (429 Retry-After, 5xx, malformed bodies) come from the shared fake server.
 */
import { randomBytes } from 'node:crypto';
import { checkFlowVersion } from '../../src/workflows/flow-version.ts';
import { type FakeRequest, type FakeServer, startFakeServer } from './fake-server.ts';

export const FAKE_AP_KEY = 'sk-fake-activepieces-key';
export const FAKE_SCHEMA_VERSION = '21';

const apId = () =>
  randomBytes(16)
    .toString('base64')
    .replace(/[^0-9a-zA-Z]/g, '')
    .padEnd(21, 'x')
    .slice(0, 21);

export interface FakeFlow {
  id: string;
  projectId: string;
  externalId: string;
  displayName: string;
  status: 'ENABLED' | 'DISABLED';
  publishedVersionId: string | null;
  draft: { id: string; trigger: any; state: 'DRAFT' | 'LOCKED' };
  imports: unknown[];
}

export interface FakeRun {
  id: string;
  projectId: string;
  flowId: string;
  flowVersionId: string;
  status: string;
  created: string;
  startTime: string | null;
  finishTime: string | null;
  steps: Record<string, unknown> | null;
  failedStep: { name: string; displayName: string; message: string } | null;
  /** The body the webhook trigger received. */
  body: unknown;
}

export interface FakeActivePieces extends FakeServer {
  projects: Array<{ id: string; externalId: string | null; displayName: string }>;
  flows: Map<string, FakeFlow>;
  runs: FakeRun[];
  connections: Array<Record<string, unknown>>;
  pieceVersions: Record<string, string>;
  /** Every later request is answered 401, as after a revoked or expired key. */
  expireKey(expired: boolean): void;
  /** Moves a run on, as the engine's workers would. */
  setRun(id: string, status: string, extra?: Partial<FakeRun>): void;
  /** Page size cap, so tests see several pages. */
  pageSize: number;
}

function err(status: number, code: string, params: Record<string, unknown> = {}) {
  return { status, json: { code, params } };
}

export async function startFakeActivePieces(): Promise<FakeActivePieces> {
  const projects: FakeActivePieces['projects'] = [];
  const flows = new Map<string, FakeFlow>();
  const runs: FakeRun[] = [];
  const connections: Array<Record<string, unknown>> = [];
  const pieceVersions: Record<string, string> = {
    '@activepieces/piece-webhook': '0.1.40',
    '@activepieces/piece-schedule': '0.1.12',
    '@activepieces/piece-slack': '0.12.9',
    '@activepieces/piece-http': '0.11.12',
    '@activepieces/piece-hubspot': '0.6.4',
    '@activepieces/piece-gmail': '0.8.2',
  };
  let expired = false;
  let self: FakeActivePieces | undefined;

  function paged<T>(req: FakeRequest, items: T[]) {
    const limit = Math.min(Number(req.query.limit ?? 10), self?.pageSize ?? 2);
    const start = req.query.cursor ? Number(Buffer.from(req.query.cursor, 'base64url').toString()) : 0;
    const data = items.slice(start, start + limit);
    const next =
      start + limit < items.length ? Buffer.from(String(start + limit)).toString('base64url') : null;
    return { json: { data, next, previous: null } };
  }

  function populated(f: FakeFlow) {
    return {
      id: f.id,
      created: '2026-01-01T00:00:00.000Z',
      updated: '2026-01-01T00:00:00.000Z',
      projectId: f.projectId,
      externalId: f.externalId,
      ownerId: null,
      folderId: null,
      status: f.status,
      publishedVersionId: f.publishedVersionId,
      metadata: null,
      operationStatus: 'NONE',
      version: {
        id: f.draft.id,
        flowId: f.id,
        displayName: f.displayName,
        trigger: f.draft.trigger,
        valid: true,
        schemaVersion: FAKE_SCHEMA_VERSION,
        state: f.draft.state,
        connectionIds: [],
      },
    };
  }

  function flowOperation(f: FakeFlow, body: any) {
    const type = body?.type;
    const request = body?.request ?? {};
    switch (type) {
      case 'IMPORT_FLOW': {
        const issues = checkFlowVersion(request);
        if (issues.length > 0)
          return {
            status: 400,
            json: {
              statusCode: 400,
              code: 'FST_ERR_VALIDATION',
              error: 'Bad Request',
              message: `body/${issues[0]!.path} ${issues[0]!.message}`,
            },
          };
        // An edit while the latest version is locked starts a new draft.
        if (f.draft.state === 'LOCKED') f.draft = { id: apId(), trigger: null, state: 'DRAFT' };
        f.draft.trigger = request.trigger;
        f.displayName = request.displayName;
        f.imports.push(request);
        return { json: populated(f) };
      }
      case 'LOCK_AND_PUBLISH':
        f.draft.state = 'LOCKED';
        f.publishedVersionId = f.draft.id;
        f.status = request.status ?? 'ENABLED';
        return { json: populated(f) };
      case 'CHANGE_STATUS':
        if (!f.publishedVersionId) return err(409, 'VALIDATION', { message: 'no published version' });
        f.status = request.status;
        return { json: populated(f) };
      default:
        return err(400, 'FST_ERR_VALIDATION');
    }
  }

  const server = await startFakeServer((req) => {
    const path = req.path.replace(/^\/api\/v1/, '');
    if (!req.path.startsWith('/api/v1/')) return err(404, 'ENTITY_NOT_FOUND');
    const webhook = /^\/webhooks\/([^/]+)$/.exec(path);
    if (webhook && req.method === 'POST') {
      // Webhook URLs take no auth header (reference §4).
      const f = flows.get(webhook[1]!);
      if (!f) return { status: 410, json: {} };
      if (f.status !== 'ENABLED' || !f.publishedVersionId) return { status: 404, json: {} };
      const id = apId();
      runs.push({
        id,
        projectId: f.projectId,
        flowId: f.id,
        flowVersionId: f.publishedVersionId,
        status: 'QUEUED',
        created: new Date().toISOString(),
        startTime: null,
        finishTime: null,
        steps: null,
        failedStep: null,
        body: req.body,
      });
      return { json: {}, headers: { 'x-webhook-id': id } };
    }
    if (expired || req.headers.authorization !== `Bearer ${FAKE_AP_KEY}`)
      return err(401, 'INVALID_BEARER_TOKEN');

    if (path === '/projects' && req.method === 'GET') {
      if (!req.query.externalId) return paged(req, projects);
      return paged(
        req,
        projects.filter((p) => p.externalId === req.query.externalId),
      );
    }
    if (path === '/projects' && req.method === 'POST') {
      const b = req.body as { displayName?: string; externalId?: string };
      if (!b?.displayName)
        return {
          status: 400,
          json: { statusCode: 400, code: 'FST_ERR_VALIDATION', message: 'body must have displayName' },
        };
      if (b.externalId && projects.some((p) => p.externalId === b.externalId))
        return err(409, 'PROJECT_EXTERNAL_ID_ALREADY_EXISTS', { externalId: b.externalId });
      const p = { id: apId(), externalId: b.externalId ?? null, displayName: b.displayName, type: 'TEAM' };
      projects.push(p);
      return { status: 201, json: p };
    }
    if (path === '/flows' && req.method === 'POST') {
      const b = req.body as { displayName?: string; projectId?: string; externalId?: string };
      if (!b?.projectId || !projects.some((p) => p.id === b.projectId)) return err(404, 'ENTITY_NOT_FOUND');
      const externalId = b.externalId ?? apId();
      if (!/^(?!\.{1,2}$)[A-Za-z0-9._-]{1,128}$/.test(externalId)) return err(409, 'VALIDATION');
      if ([...flows.values()].some((f) => f.projectId === b.projectId && f.externalId === externalId))
        return err(409, 'FLOW_EXTERNAL_ID_ALREADY_EXISTS');
      const f: FakeFlow = {
        id: apId(),
        projectId: b.projectId,
        externalId,
        displayName: b.displayName ?? 'Untitled',
        status: 'DISABLED',
        publishedVersionId: null,
        draft: { id: apId(), trigger: { name: 'trigger', type: 'EMPTY', settings: {} }, state: 'DRAFT' },
        imports: [],
      };
      flows.set(f.id, f);
      return { status: 201, json: populated(f) };
    }
    if (path === '/flows' && req.method === 'GET') {
      if (!req.query.projectId)
        return {
          status: 400,
          json: { statusCode: 400, code: 'FST_ERR_VALIDATION', message: 'querystring must have projectId' },
        };
      const list = [...flows.values()].filter(
        (f) =>
          f.projectId === req.query.projectId &&
          (!req.query.externalIds || f.externalId === req.query.externalIds),
      );
      return paged(req, list.map(populated));
    }
    const flow = /^\/flows\/([^/]+)$/.exec(path);
    if (flow) {
      const f = flows.get(flow[1]!);
      if (!f) return err(404, 'ENTITY_NOT_FOUND', { entityType: 'flow' });
      if (req.method === 'GET') return { json: populated(f) };
      if (req.method === 'POST') return flowOperation(f, req.body);
      if (req.method === 'DELETE') {
        flows.delete(f.id);
        return { status: 204, text: '' };
      }
    }
    if (path === '/flow-runs' && req.method === 'GET') {
      if (!req.query.projectId)
        return {
          status: 400,
          json: { statusCode: 400, code: 'FST_ERR_VALIDATION', message: 'querystring must have projectId' },
        };
      const list = runs
        .filter(
          (r) =>
            r.projectId === req.query.projectId &&
            (!req.query.flowId || r.flowId === req.query.flowId) &&
            (!req.query.createdAfter || r.created > req.query.createdAfter),
        )
        .sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0))
        .map(({ steps: _steps, body: _body, ...rest }) => ({
          ...rest,
          environment: 'PRODUCTION',
          steps: null,
        }));
      return paged(req, list);
    }
    const run = /^\/flow-runs\/([^/]+)$/.exec(path);
    if (run && req.method === 'GET') {
      const r = runs.find((x) => x.id === run[1]);
      if (!r) return err(404, 'ENTITY_NOT_FOUND', { entityType: 'flow_run' });
      const { body: _body, ...rest } = r;
      return { json: { ...rest, environment: 'PRODUCTION' } };
    }
    if (path === '/app-connections' && req.method === 'POST') {
      const b = req.body as Record<string, any>;
      if (!b?.externalId || !b.projectId || !b.pieceName || !b.value)
        return {
          status: 400,
          json: { statusCode: 400, code: 'FST_ERR_VALIDATION', message: 'body is incomplete' },
        };
      const existing = connections.find((c) => c.externalId === b.externalId && c.projectId === b.projectId);
      const conn = {
        id: (existing?.id as string) ?? apId(),
        externalId: b.externalId,
        displayName: b.displayName,
        pieceName: b.pieceName,
        projectId: b.projectId,
        type: b.type,
        status: b.value.code === 'expired-code' ? 'ERROR' : 'ACTIVE',
        scope: 'PROJECT',
        value: b.value,
      };
      if (existing) Object.assign(existing, conn);
      else connections.push(conn);
      const { value: _secret, ...visible } = conn;
      return { status: 201, json: visible };
    }
    const piece = /^\/pieces\/(.+)$/.exec(path);
    if (piece && req.method === 'GET') {
      const name = decodeURIComponent(piece[1]!);
      const version = pieceVersions[name];
      if (!version) return err(404, 'ENTITY_NOT_FOUND', { entityType: 'piece', entityId: name });
      return { json: { name, version, displayName: name, actions: {}, triggers: {} } };
    }
    return err(404, 'ENTITY_NOT_FOUND');
  });

  self = Object.assign(server, {
    projects,
    flows,
    runs,
    connections,
    pieceVersions,
    pageSize: 2,
    expireKey(e: boolean) {
      expired = e;
    },
    setRun(id: string, status: string, extra: Partial<FakeRun> = {}) {
      const r = runs.find((x) => x.id === id);
      if (!r) throw new Error(`no run ${id}`);
      Object.assign(r, { status, ...extra });
    },
  });
  return self;
}
