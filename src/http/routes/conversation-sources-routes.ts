/**
 * Conversation and document sources: a recorder's user directory and tracked-user selection (the second
 * step of the connect flow), a connection's board/folder selection, on-demand transcripts and document
 * content, and the unified sales roster.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AnyConnectorAdapter } from '../../connectors/adapter.ts';
import { getConnection, mergeConnectionMetadata } from '../../connectors/connections.ts';
import { getAdapter, hasAdapter } from '../../connectors/registry.ts';
import { connectionContexts, contextForConnection } from '../../conversations/connection-context.ts';
import { salesRoster } from '../../conversations/sales-roster.ts';
import {
  applyTrackedFlags,
  buildTrackedUsers,
  trackedUsersOf,
  userDirectoryOf,
} from '../../conversations/tracked-users.ts';
import { getTranscript } from '../../conversations/transcripts.ts';
import { withWorkspace } from '../../db/tenant-scope.ts';
import { getDocumentContent } from '../../documents/document-content.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { type AppDeps, inRequestWorkspace, workspaceOf } from '../deps.ts';
import { ok } from '../openapi/schema-builders.ts';
import {
  documentContentSchema,
  salesRosterSchema,
  selectionSchema,
  trackedUsersSchema,
  transcriptSchema,
  userDirectorySchema,
} from '../openapi/schemas/connector-schemas.ts';
import type { RouteDoc } from '../openapi/openapi-document.ts';
import { fromZod, routeDoc, WS } from '../openapi/route-doc-builders.ts';
import { parseInput, uuidParam } from '../request-validation.ts';
import { startSync } from './connector-routes.ts';

const connectorName = z.string().regex(/^[a-z][a-z0-9_]{1,40}$/, 'unknown connector');
const refreshQuery = z.object({ refresh: z.enum(['true', 'false']).optional() }).strict();
const trackedBody = z
  .object({
    user_ids: z.array(z.string().min(1).max(200)).max(5000),
    /** Start a sync right away so newly tracked users' history arrives; default true. */
    sync: z.boolean().default(true),
  })
  .strict();
const selectionBody = z.object({ selection: z.unknown() }).strict();

/** A recorder: writes conversations and has a user directory to choose tracked users from. */
function recorder(value: unknown): AnyConnectorAdapter {
  const name = parseInput(connectorName, value, 'path');
  const adapter = hasAdapter(name) ? getAdapter(name) : undefined;
  if (!adapter?.fetchUserDirectory || !adapter.entities().includes('conversations'))
    throw new NotFoundError(`conversation connector "${name}"`);
  return adapter;
}

export function conversationSourcesRoutes(deps: AppDeps): Router {
  const r = Router();
  const contextFor = connectionContexts(deps);

  r.get('/connectors/:name/users', async (req, res) => {
    const adapter = recorder(req.params.name);
    const query = parseInput(refreshQuery, req.query, 'query');
    const ws = workspaceOf(res);
    let conn = await withWorkspace(deps.db, ws, (tx) => getConnection(tx, ws, adapter.name));
    if (query.refresh === 'true') {
      const directory = await adapter.fetchUserDirectory!(contextForConnection(deps, ws, adapter, conn));
      const patch = { user_directory: directory, user_directory_fetched_at: new Date().toISOString() };
      await withWorkspace(deps.db, ws, (tx) => mergeConnectionMetadata(tx, ws, conn.id, patch));
      conn = { ...conn, metadata: { ...conn.metadata, ...patch } };
    }
    const tracked = new Set((trackedUsersOf(conn.metadata) ?? []).map((u) => u.source_user_id));
    res.json({
      data: userDirectoryOf(conn.metadata).map((u) => ({ ...u, tracked: tracked.has(u.source_user_id) })),
      tracked_count: tracked.size,
      fetched_at: conn.metadata.user_directory_fetched_at ?? null,
    });
  });

  r.put('/connectors/:name/tracked-users', async (req, res) => {
    const adapter = recorder(req.params.name);
    const body = parseInput(trackedBody, req.body, 'body');
    const ws = workspaceOf(res);
    const out = await withWorkspace(deps.db, ws, async (tx) => {
      const conn = await getConnection(tx, ws, adapter.name);
      const before = new Set((trackedUsersOf(conn.metadata) ?? []).map((u) => u.source_user_id));
      const tracked = buildTrackedUsers(conn.metadata, body.user_ids);
      await mergeConnectionMetadata(tx, ws, conn.id, { tracked_users: tracked });
      const flags = await applyTrackedFlags(tx, ws, adapter.name, tracked);
      return { tracked, flags, added: tracked.filter((u) => !before.has(u.source_user_id)) };
    });
    const started =
      body.sync && out.added.length > 0 && !adapter.readyToSync?.({ tracked_users: out.tracked })
        ? await startSync(deps, ws, adapter.name, 'manual')
        : null;
    res.json({
      data: out.tracked,
      newly_tracked: out.added.map((u) => u.source_user_id),
      conversations: { marked_tracked: out.flags.tracked, marked_untracked: out.flags.untracked },
      sync_log_id: started?.row.id ?? null,
    });
  });

  r.put('/connectors/:name/selection', async (req, res) => {
    const name = parseInput(connectorName, req.params.name, 'path');
    const adapter = hasAdapter(name) ? getAdapter(name) : undefined;
    if (!adapter?.validateSelection) throw new NotFoundError(`selectable connector "${name}"`);
    const body = parseInput(selectionBody, req.body, 'body');
    if (body.selection === undefined) throw new ValidationError('selection is required');
    const ws = workspaceOf(res);
    const conn = await withWorkspace(deps.db, ws, (tx) => getConnection(tx, ws, name));
    const selection = await adapter.validateSelection(
      contextForConnection(deps, ws, adapter, conn),
      body.selection,
    );
    await withWorkspace(deps.db, ws, (tx) => mergeConnectionMetadata(tx, ws, conn.id, { selection }));
    res.json({ connector_name: name, selection });
  });

  r.get('/conversations/:id/transcript', async (req, res) => {
    const id = parseInput(uuidParam, req.params.id, 'path');
    const query = parseInput(refreshQuery, req.query, 'query');
    res.json(
      await getTranscript({ db: deps.db, contextFor }, workspaceOf(res), id, {
        refresh: query.refresh === 'true',
      }),
    );
  });

  r.get('/documents/:id/content', async (req, res) => {
    const id = parseInput(uuidParam, req.params.id, 'path');
    const query = parseInput(refreshQuery, req.query, 'query');
    res.json(
      await getDocumentContent({ db: deps.db, contextFor }, workspaceOf(res), id, {
        refresh: query.refresh === 'true',
      }),
    );
  });

  r.get('/sales-roster', async (_req, res) => {
    res.json({ data: await inRequestWorkspace(deps, res, (tx, ws) => salesRoster(tx, ws)) });
  });
  return r;
}

export function conversationSourcesRouteDocs(): RouteDoc[] {
  const name = [{ name: 'name', in: 'path' as const, required: true, schema: { type: 'string' } }];
  const id = [
    { name: 'id', in: 'path' as const, required: true, schema: { type: 'string', format: 'uuid' } },
  ];
  const refresh = {
    name: 'refresh',
    in: 'query' as const,
    schema: { type: 'string', enum: ['true', 'false'] },
  };
  return [
    routeDoc(
      'get',
      `${WS}/connectors/:name/users`,
      'conversations',
      "A recorder's user directory, with tracked flags",
      {
        parameters: [...name, refresh],
        response: ok(userDirectorySchema),
      },
    ),
    routeDoc(
      'put',
      `${WS}/connectors/:name/tracked-users`,
      'conversations',
      'Choose the users whose recordings are synced; newly tracked users sync from the start',
      { parameters: name, requestBody: fromZod(trackedBody), response: ok(trackedUsersSchema) },
    ),
    routeDoc(
      'put',
      `${WS}/connectors/:name/selection`,
      'connectors',
      'Change the boards or folders a connection reads',
      {
        parameters: name,
        requestBody: fromZod(selectionBody),
        response: ok(selectionSchema),
      },
    ),
    routeDoc(
      'get',
      `${WS}/conversations/:id/transcript`,
      'conversations',
      'The transcript, fetched from the recorder on first request and cached (410 when the source lost it)',
      { parameters: [...id, refresh], response: ok(transcriptSchema) },
    ),
    routeDoc(
      'get',
      `${WS}/documents/:id/content`,
      'documents',
      'The document as text, exported on first request and cached (410 when the source lost it)',
      { parameters: [...id, refresh], response: ok(documentContentSchema) },
    ),
    routeDoc(
      'get',
      `${WS}/sales-roster`,
      'conversations',
      'Tracked reps merged across recorders by email, with CRM owners',
      { response: ok(salesRosterSchema) },
    ),
  ];
}
