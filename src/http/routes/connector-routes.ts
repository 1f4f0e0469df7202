/**
 * Connections and syncs: connect (live-tested, credentials encrypted), list, disconnect, trigger a sync
 * (202 at once), the sync log. Credentials never appear in a response.
 */
import { Router } from 'express';
import { z } from 'zod';
import {
  disconnect,
  findConnection,
  listConnectionViews,
  mergeConnectionMetadata,
  saveConnection,
} from '../../connectors/connections.ts';
import type { AnyConnectorAdapter, ConnectorContext } from '../../connectors/adapter.ts';
import { UpstreamAuthError } from '../../connectors/http-client.ts';
import { adapterNames, getAdapter, hasAdapter } from '../../connectors/registry.ts';
import { populateDealContactsFromSourceData } from '../../connectors/hubspot/hubspot-deal-contacts.ts';
import { withWorkspace } from '../../db/tenant-scope.ts';
import { NotFoundError, UpstreamError, ValidationError } from '../../errors.ts';
import {
  buildConnectorContext,
  checkConnectionBaseUrl,
  parseCredentials,
} from '../../sync/connector-context.ts';
import { getSyncLog, listSyncLogs } from '../../sync/sync-log.ts';
import { requestSync } from '../../sync/sync-requests.ts';
import { syncRunSchema } from '../../sync/sync-run-schema.ts';
import { runSync } from '../../sync/orchestrator.ts';
import { accepted, created, dataList, named, ok } from '../openapi/schema-builders.ts';
import {
  connectedSchema,
  connectionsSchema,
  disconnectedSchema,
  populatedDealContactsSchema,
  syncStartedSchema,
} from '../openapi/schemas/connector-schemas.ts';
import type { RouteDoc } from '../openapi/openapi-document.ts';
import { fromZod, routeDoc, WS } from '../openapi/route-doc-builders.ts';
import { type AppDeps, inRequestWorkspace, workspaceOf } from '../deps.ts';
import { parseInput, uuidParam } from '../request-validation.ts';

const connectorName = z.string().regex(/^[a-z][a-z0-9_]{1,40}$/, 'unknown connector');
const connectBody = z
  .object({
    credentials: z.record(z.string(), z.unknown()),
    base_url: z
      .string()
      .url()
      .max(500)
      .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
      .optional(),
    metadata: z.object({ selection: z.unknown().optional() }).strict().optional(),
    sync: z.boolean().default(true),
  })
  .strict();
const syncBody = z.object({ mode: z.enum(['initial', 'incremental']).optional() }).strict();
const deleteQuery = z.object({ purge: z.enum(['true', 'false']).optional() }).strict();
const logQuery = z
  .object({ connector: connectorName.optional(), limit: z.coerce.number().int().min(1).max(200).default(50) })
  .strict();

function knownConnector(value: unknown): string {
  const name = parseInput(connectorName, value, 'path');
  if (!hasAdapter(name)) throw new NotFoundError(`connector "${name}"`);
  return name;
}

/**
 * The live credential test. A host that cannot be reached is the caller's mistake, said at once (no
 * retries: connect must not work as a port scanner); rejected credentials are a 400 too.
 */
async function testConnection(name: string, adapter: AnyConnectorAdapter, ctx: ConnectorContext<unknown>) {
  try {
    await adapter.testConnection(ctx);
  } catch (err) {
    if (err instanceof UpstreamAuthError) throw new ValidationError(`${name} rejected these credentials`);
    if (err instanceof UpstreamError && err.status === 0) throw new ValidationError(err.message);
    throw err;
  }
}

/**
 * What a connect form needs per connector: the credential fields as JSON Schema, and whether the
 * connector asks which of its users to track before the first sync (Gong, Fireflies).
 */
function connectorCatalog() {
  return adapterNames().map((name) => {
    const adapter = getAdapter(name);
    return {
      name,
      credentials: fromZod(adapter.credentialsSchema),
      user_directory: typeof adapter.fetchUserDirectory === 'function',
      selection: typeof adapter.validateSelection === 'function',
    };
  });
}

export function connectorRoutes(deps: AppDeps): Router {
  const r = Router();

  r.get('/connectors', async (_req, res) => {
    const data = await inRequestWorkspace(deps, res, (tx, ws) =>
      listConnectionViews(tx, ws, (name) => (hasAdapter(name) ? getAdapter(name).entities() : [])),
    );
    res.json({ data, available: adapterNames(), catalog: connectorCatalog() });
  });

  r.post('/connectors/:name/connect', async (req, res) => {
    const name = knownConnector(req.params.name);
    const body = parseInput(connectBody, req.body, 'body');
    const adapter = getAdapter(name);
    const workspaceId = workspaceOf(res);
    const credentials = parseCredentials(adapter, body.credentials);
    checkConnectionBaseUrl(deps.config, adapter, credentials, body.base_url ?? null);
    const existing = await withWorkspace(deps.db, workspaceId, (tx) => findConnection(tx, workspaceId, name));
    const ctx = buildConnectorContext(deps, {
      workspaceId,
      connectionId: existing?.id ?? `connect:${workspaceId}:${name}`,
      adapter,
      credentials,
      baseUrl: body.base_url ?? null,
      metadata: { ...(existing?.metadata ?? {}), ...(body.metadata ?? {}) },
      connecting: true,
    });
    await testConnection(name, adapter, ctx);
    let selection: unknown;
    if (body.metadata?.selection !== undefined) {
      selection = adapter.validateSelection
        ? await adapter.validateSelection(ctx, body.metadata.selection)
        : body.metadata.selection;
    }
    const conn = await withWorkspace(deps.db, workspaceId, (tx) =>
      saveConnection(tx, workspaceId, {
        name,
        // As refreshed during the test, if the token had expired.
        credentials: deps.vault.encrypt(ctx.credentials),
        baseUrl: body.base_url ?? null,
        metadata: selection === undefined ? {} : { selection },
      }),
    );
    const extra = adapter.onConnected
      ? await adapter.onConnected({ ...ctx, connectionId: conn.id })
      : undefined;
    if (extra)
      await withWorkspace(deps.db, workspaceId, (tx) =>
        mergeConnectionMetadata(tx, workspaceId, conn.id, extra),
      );
    // Connected but not ready (e.g. tracked users to choose): no sync yet, and say what comes next.
    const notReady = adapter.readyToSync?.({ ...conn.metadata, ...(extra ?? {}) }) ?? null;
    const started = body.sync && !notReady ? await startSync(deps, workspaceId, name, 'initial') : null;
    res.status(201).json({
      id: conn.id,
      connector_name: name,
      status: 'connected',
      base_url: conn.base_url,
      sync_log_id: started?.row.id ?? null,
      ...(notReady ? { next_step: notReady } : {}),
    });
  });

  r.delete('/connectors/:name', async (req, res) => {
    const name = knownConnector(req.params.name);
    const query = parseInput(deleteQuery, req.query, 'query');
    const adapter = getAdapter(name);
    const deleted = await inRequestWorkspace(deps, res, (tx, ws) =>
      disconnect(
        tx,
        ws,
        name,
        query.purge === 'true' ? { entities: adapter.entities(), source: name } : null,
      ),
    );
    res.json({ connector_name: name, status: 'disconnected', purged: query.purge === 'true', deleted });
  });

  r.post('/connectors/:name/sync', async (req, res) => {
    const name = knownConnector(req.params.name);
    const body = parseInput(syncBody, req.body, 'body');
    const started = await startSync(deps, workspaceOf(res), name, 'manual', body.mode);
    res
      .status(202)
      .json({ sync_log_id: started.row.id, status: started.row.status, coalesced: !started.created });
  });

  r.post('/connectors/hubspot/populate-deal-contacts', async (_req, res) => {
    const counts = await inRequestWorkspace(deps, res, (tx, ws) =>
      populateDealContactsFromSourceData(tx, ws),
    );
    res.json(counts);
  });

  r.get('/sync-log', async (req, res) => {
    const query = parseInput(logQuery, req.query, 'query');
    const data = await inRequestWorkspace(deps, res, (tx, ws) =>
      listSyncLogs(tx, ws, { connectorName: query.connector, limit: query.limit }),
    );
    res.json({ data });
  });

  r.get('/sync-log/:id', async (req, res) => {
    const id = parseInput(uuidParam, req.params.id, 'path');
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => getSyncLog(tx, ws, id)));
  });
  return r;
}

/** Queues the sync; without a job queue (a bare API process) it runs in the background of this one. */
export async function startSync(
  deps: AppDeps,
  workspaceId: string,
  name: string,
  trigger: 'manual' | 'initial',
  mode?: 'initial' | 'incremental',
) {
  const started = await requestSync(deps, workspaceId, name, trigger, mode);
  if (started.created && !deps.queue) {
    runSync(deps, workspaceId, started.row.id).catch((err) =>
      deps.log.error({ err, workspaceId, syncLogId: started.row.id }, 'background sync crashed'),
    );
  }
  return started;
}

const syncRun = named('SyncRun', syncRunSchema);

export function connectorRouteDocs(): RouteDoc[] {
  const name = [{ name: 'name', in: 'path' as const, required: true, schema: { type: 'string' } }];
  return [
    routeDoc(
      'get',
      `${WS}/connectors`,
      'connectors',
      'Connections with status, last sync and counts (never credentials)',
      { response: ok(connectionsSchema) },
    ),
    routeDoc(
      'post',
      `${WS}/connectors/:name/connect`,
      'connectors',
      'Validate credentials live, store them encrypted, start the first sync',
      {
        parameters: name,
        requestBody: fromZod(connectBody),
        response: created(connectedSchema),
      },
    ),
    routeDoc('delete', `${WS}/connectors/:name`, 'connectors', 'Disconnect; data is kept unless purge=true', {
      parameters: [
        ...name,
        { name: 'purge', in: 'query', schema: { type: 'string', enum: ['true', 'false'] } },
      ],
      response: ok(disconnectedSchema, 'disconnected'),
    }),
    routeDoc(
      'post',
      `${WS}/connectors/:name/sync`,
      'connectors',
      'Start a sync (coalesced with a running one)',
      {
        parameters: name,
        requestBody: fromZod(syncBody),
        response: accepted(syncStartedSchema),
      },
    ),
    routeDoc(
      'post',
      `${WS}/connectors/hubspot/populate-deal-contacts`,
      'connectors',
      'Backfill deal_contacts from stored HubSpot associations',
      { response: ok(populatedDealContactsSchema) },
    ),
    routeDoc('get', `${WS}/sync-log`, 'connectors', 'Sync runs, newest first', {
      parameters: [
        { name: 'connector', in: 'query', schema: { type: 'string' } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200 } },
      ],
      response: ok(dataList(syncRun)),
    }),
    routeDoc(
      'get',
      `${WS}/sync-log/:id`,
      'connectors',
      'One sync run: counts, progress, and the post-sync chain (status stays running until it is done)',
      { response: ok(syncRun) },
    ),
  ];
}
