/**
 * A connector's health ledger and its association reconciliation passes: GET …/health, POST
 * …/reconcile-associations (202; joins a running pass), and the passes' rows.
 */
import { Router } from 'express';
import { z } from 'zod';
import { hasAdapter } from '../../connectors/registry.ts';
import { NotFoundError } from '../../errors.ts';
import {
  getReconciliation,
  listReconciliations,
  queueReconciliation,
  type ReconcileTrigger,
  runReconciliation,
} from '../../sync/association-reconciliation.ts';
import { getSyncHealth } from '../../sync/sync-health.ts';
import type { JsonSchema, RouteDoc } from '../openapi/openapi-document.ts';
import { routeDoc, WS } from '../openapi/route-doc-builders.ts';
import { named, nullable } from '../openapi/schema-builders.ts';
import { type AppDeps, inRequestWorkspace, workspaceOf } from '../deps.ts';
import { parseInput, uuidParam } from '../request-validation.ts';

const connectorName = z.string().regex(/^[a-z][a-z0-9_]{1,40}$/, 'unknown connector');
const healthQuery = z.object({ window_days: z.coerce.number().int().min(1).max(365).default(30) }).strict();
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }).strict();
const reconcileBody = z.object({}).strict();

function knownConnector(value: unknown): string {
  const name = parseInput(connectorName, value, 'path');
  if (!hasAdapter(name)) throw new NotFoundError(`connector "${name}"`);
  return name;
}

/** Queues a pass; with a job queue a worker runs it, else this process does in the background. */
export async function startReconciliation(
  deps: AppDeps,
  workspaceId: string,
  name: string,
  trigger: ReconcileTrigger,
) {
  const started = await queueReconciliation(deps, workspaceId, name, trigger);
  if (started.created) {
    if (deps.queue)
      await deps.queue.send('association-reconcile', {
        workspace_id: workspaceId,
        reconciliation_id: started.row.id,
      });
    else
      runReconciliation(deps, workspaceId, started.row.id).catch((err) =>
        deps.log.error({ err, workspaceId }, 'background reconciliation crashed'),
      );
  }
  return started;
}

export function syncHealthRoutes(deps: AppDeps): Router {
  const r = Router();

  r.get('/connectors/:name/health', async (req, res) => {
    const name = knownConnector(req.params.name);
    const query = parseInput(healthQuery, req.query, 'query');
    res.json(
      await inRequestWorkspace(deps, res, (tx, ws) =>
        getSyncHealth(tx, ws, name, { windowDays: query.window_days }),
      ),
    );
  });

  r.post('/connectors/:name/reconcile-associations', async (req, res) => {
    const name = knownConnector(req.params.name);
    parseInput(reconcileBody, req.body ?? {}, 'body');
    const started = await startReconciliation(deps, workspaceOf(res), name, 'manual');
    res.status(202).json({
      reconciliation_id: started.row.id,
      status: started.row.status,
      coalesced: !started.created,
    });
  });

  r.get('/connectors/:name/reconciliations', async (req, res) => {
    const name = knownConnector(req.params.name);
    const query = parseInput(listQuery, req.query, 'query');
    const data = await inRequestWorkspace(deps, res, (tx, ws) =>
      listReconciliations(tx, ws, name, query.limit),
    );
    res.json({ data });
  });

  r.get('/connectors/:name/reconciliations/:id', async (req, res) => {
    const name = knownConnector(req.params.name);
    const id = parseInput(uuidParam, req.params.id, 'path');
    const row = await inRequestWorkspace(deps, res, (tx, ws) => getReconciliation(tx, ws, id));
    if (row.connector_name !== name) throw new NotFoundError('association reconciliation');
    res.json(row);
  });
  return r;
}

const time: JsonSchema = { type: 'string', format: 'date-time' };
const count: JsonSchema = { type: 'integer', minimum: 0 };

const kindCounts: JsonSchema = named('AssociationCheckCounts', {
  type: 'object',
  properties: {
    checked: count,
    added: count,
    removed: count,
    moved: count,
    updated: count,
    unresolved: count,
  },
  required: ['checked', 'added', 'removed', 'moved', 'updated', 'unresolved'],
});

export const reconciliationSchema: JsonSchema = named('Reconciliation', {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    connector_name: { type: 'string' },
    trigger: { type: 'string', enum: ['manual', 'scheduled'] },
    status: { type: 'string', enum: ['running', 'succeeded', 'failed'] },
    counts: {
      type: 'object',
      description: 'Per association kind what the pass checked and corrected; http: the source calls made',
      properties: {
        deal_contact: kindCounts,
        deal_account: kindCounts,
        contact_account: kindCounts,
        http: {
          type: 'object',
          properties: { requests: count, rate_limited: count, server_errors: count },
          required: ['requests', 'rate_limited', 'server_errors'],
        },
      },
    },
    error: nullable({ type: 'string' }),
    started_at: time,
    finished_at: nullable(time),
  },
  required: ['id', 'connector_name', 'trigger', 'status', 'counts', 'error', 'started_at', 'finished_at'],
});

const healthSchema: JsonSchema = named('ConnectorHealth', {
  type: 'object',
  properties: {
    connector_name: { type: 'string' },
    status: { type: 'string' },
    freshness: {
      type: 'object',
      properties: {
        last_success_at: nullable(time),
        last_full_sync_at: nullable(time),
        last_incremental_sync_at: nullable(time),
        age_seconds: nullable(count),
        last_error: nullable({ type: 'string' }),
      },
      required: ['last_success_at', 'last_full_sync_at', 'last_incremental_sync_at', 'age_seconds'],
    },
    runs: {
      type: 'object',
      properties: {
        window_days: count,
        total: count,
        failed: count,
        error_rate: nullable({ type: 'number' }),
      },
      required: ['window_days', 'total', 'failed', 'error_rate'],
    },
    http: {
      type: 'object',
      description: 'Attempts of the syncs in the window: rate-limit hits (429) and server errors (5xx)',
      properties: {
        requests: count,
        rate_limited: count,
        server_errors: count,
        error_rate: nullable({ type: 'number' }),
      },
      required: ['requests', 'rate_limited', 'server_errors', 'error_rate'],
    },
    objects: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          entity: { type: 'string' },
          stored: count,
          deleted: count,
          source_count: nullable(count),
          drift: nullable({ type: 'integer' }),
          counted_at: nullable(time),
          drift_history: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                taken_at: time,
                source_count: count,
                stored_count: count,
                drift: { type: 'integer' },
              },
              required: ['taken_at', 'source_count', 'stored_count', 'drift'],
            },
          },
        },
        required: ['entity', 'stored', 'deleted', 'source_count', 'drift', 'counted_at', 'drift_history'],
      },
    },
    associations: {
      type: 'object',
      properties: {
        last_reconciliation: nullable(reconciliationSchema),
        last_success_at: nullable(time),
      },
      required: ['last_reconciliation', 'last_success_at'],
    },
    rejections: {
      type: 'object',
      properties: {
        total: count,
        by_reason: {
          type: 'array',
          items: {
            type: 'object',
            properties: { entity: { type: 'string' }, reason: { type: 'string' }, count },
            required: ['entity', 'reason', 'count'],
          },
        },
        recent: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              entity: { type: 'string' },
              source_id: { type: 'string' },
              reason: { type: 'string' },
              last_seen_at: time,
            },
            required: ['entity', 'source_id', 'reason', 'last_seen_at'],
          },
        },
      },
      required: ['total', 'by_reason', 'recent'],
    },
  },
  required: [
    'connector_name',
    'status',
    'freshness',
    'runs',
    'http',
    'objects',
    'associations',
    'rejections',
  ],
});

export function syncHealthRouteDocs(): RouteDoc[] {
  const name = { name: 'name', in: 'path' as const, required: true, schema: { type: 'string' } };
  return [
    routeDoc(
      'get',
      `${WS}/connectors/:name/health`,
      'connectors',
      'Sync health ledger: freshness, run and HTTP error rates, per object type source vs stored counts and drift over time, the last association reconciliation, records rejected with reasons',
      {
        parameters: [
          name,
          { name: 'window_days', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 365 } },
        ],
        response: { status: 200, description: 'ok', schema: healthSchema },
      },
    ),
    routeDoc(
      'post',
      `${WS}/connectors/:name/reconcile-associations`,
      'connectors',
      'Re-read every association at the source and correct the stored ones (joins a running pass)',
      {
        parameters: [name],
        requestBody: { type: 'object', properties: {}, additionalProperties: false },
        response: {
          status: 202,
          description: 'accepted; runs in the background',
          schema: named('ReconciliationStarted', {
            type: 'object',
            properties: {
              reconciliation_id: { type: 'string', format: 'uuid' },
              status: { type: 'string' },
              coalesced: { type: 'boolean' },
            },
            required: ['reconciliation_id', 'status', 'coalesced'],
          }),
        },
      },
    ),
    routeDoc(
      'get',
      `${WS}/connectors/:name/reconciliations`,
      'connectors',
      'Association reconciliation passes, newest first',
      {
        parameters: [
          name,
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
        ],
        response: {
          status: 200,
          description: 'ok',
          schema: { type: 'object', properties: { data: { type: 'array', items: reconciliationSchema } } },
        },
      },
    ),
    routeDoc(
      'get',
      `${WS}/connectors/:name/reconciliations/:id`,
      'connectors',
      'One association reconciliation pass',
      {
        parameters: [
          name,
          { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
        ],
        response: { status: 200, description: 'ok', schema: reconciliationSchema },
      },
    ),
  ];
}
