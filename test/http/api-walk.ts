/**
 * One call of every documented operation, in an order where each finds what it needs (a workflow is
 * created before it is activated, a batch uploaded before it is confirmed). Each step names its
 * operation as `METHOD /openapi/path`; the walk test sends it, checks the documented success status and
 * validates the body against the documented schema.
 */
import { signatureHeaders } from '../../src/outputs/webhooks/webhook-signature.ts';
import { analysisSteps } from './api-walk-analysis.ts';
import type { WalkWorld } from './api-walk-world.ts';

export interface WalkRequest {
  /** Concrete path; defaults to the operation's path with {params} taken from the walk's ids. */
  path?: string;
  body?: unknown;
  /** Sent as a multipart form instead of JSON. */
  form?: FormData;
  token?: string;
  headers?: Record<string, string>;
}

export interface WalkStep {
  op: string;
  request?: (ids: Record<string, string>) => WalkRequest;
  /** Keeps ids from the answer for later steps. */
  then?: (body: any, ids: Record<string, string>) => void | Promise<void>;
  /** Waits for background work before the next step. */
  settle?: boolean;
}

/** Operations the walk cannot exercise, each with the reason. */
export const NOT_WALKED: Record<string, string> = {};

const W = '/api/workspaces/{workspaceId}';
export function walkSteps(world: WalkWorld): WalkStep[] {
  const signed = (body: unknown, ids: Record<string, string>): WalkRequest => {
    const raw = body === undefined ? '' : JSON.stringify(body);
    return { body, headers: signatureHeaders(ids.signingSecret!, raw), token: '' };
  };
  const s = (
    op: string,
    request?: WalkStep['request'],
    then?: WalkStep['then'],
    settle = false,
  ): WalkStep => ({
    op,
    ...(request ? { request } : {}),
    ...(then ? { then } : {}),
    settle,
  });
  return [
    // system
    s('GET /healthz', () => ({ token: '' })),
    s('GET /', () => ({ token: '' })),
    s('GET /api/openapi.json', () => ({ token: '' })),
    s('GET /api/docs', () => ({ token: '' })),
    s('GET /console', () => ({ token: '' })),
    s('GET /console/{path}', () => ({ path: '/console/app.js', token: '' })),
    // workspaces and keys
    s(
      'POST /api/workspaces',
      () => ({ body: { name: 'Scratch', settings: { region: 'eu' } } }),
      (b, ids) => {
        ids.scratchWorkspace = b.id;
      },
    ),
    s('GET /api/workspaces'),
    s('GET /api/workspaces/{workspaceId}'),
    s('PATCH /api/workspaces/{workspaceId}', () => ({ body: { settings: { fiscal_year_start: 2 } } })),
    s(
      'POST /api/workspaces/{workspaceId}/api-keys',
      () => ({ body: { name: 'walk' } }),
      (b, ids) => {
        ids.keyId = b.id;
        ids.key = b.key;
      },
    ),
    s('GET /api/session', (ids) => ({ token: ids.key })),
    s('GET /api/workspaces/{workspaceId}/api-keys'),
    s('DELETE /api/workspaces/{workspaceId}/api-keys/{keyId}'),
    // context layer and quotas
    s(`GET ${W}/context`),
    s(`PUT ${W}/context`, () => ({
      body: { definitions: { sales_methodology: 'meddic' }, business_model: { currency: 'usd' } },
    })),
    s(`GET ${W}/context/{section}`, (ids) => ({
      path: `/api/workspaces/${ids.workspaceId}/context/definitions`,
    })),
    s(`PUT ${W}/context/{section}`, (ids) => ({
      path: `/api/workspaces/${ids.workspaceId}/context/definitions`,
      body: { sales_methodology: 'bant' },
    })),
    s(
      `POST ${W}/quota-periods`,
      () => ({
        body: {
          name: 'Q1',
          period_type: 'quarter',
          start_date: '2026-01-01',
          end_date: '2026-03-31',
          team_quota: 500000,
        },
      }),
      (b, ids) => {
        ids.periodId = b.id;
      },
    ),
    s(`GET ${W}/quota-periods`),
    s(`GET ${W}/quota-periods/{periodId}`),
    s(`PATCH ${W}/quota-periods/{periodId}`, () => ({ body: { team_quota: 600000 } })),
    s(
      `PUT ${W}/quota-periods/{periodId}/rep-quotas`,
      () => ({ body: { rep_email: 'ana@acme.test', quota_amount: 120000 } }),
      (b, ids) => {
        ids.repQuotaId = b.id;
      },
    ),
    s(`GET ${W}/quota-periods/{periodId}/rep-quotas`),
    s(`GET ${W}/quota/active`, (ids) => ({
      path: `/api/workspaces/${ids.workspaceId}/quota/active?date=2026-02-01`,
    })),
    s(`DELETE ${W}/quota-periods/{periodId}/rep-quotas/{repQuotaId}`),
    // money and mappings
    s(`PUT ${W}/exchange-rates`, () => ({
      body: { rates: [{ currency: 'EUR', effective_date: '2025-01-01', rate: 1.1 }] },
    })),
    s(`GET ${W}/exchange-rates`),
    s(`DELETE ${W}/exchange-rates/{currency}`, (ids) => ({
      path: `/api/workspaces/${ids.workspaceId}/exchange-rates/EUR`,
    })),
    s(`GET ${W}/stage-mappings`),
    s(`PUT ${W}/stage-mappings`, () => ({
      body: {
        mappings: [
          { source: 'hubspot', raw_stage: 'appointmentscheduled', stage_normalized: 'qualification' },
        ],
      },
    })),
    s(`GET ${W}/leads/cohorts`),
    s(`GET ${W}/pipeline/summary`),
    s(`GET ${W}/pipeline/waterfall`, (ids) => ({
      path: `/api/workspaces/${ids.workspaceId}/pipeline/waterfall?from=2025-01-01&to=2027-01-01`,
    })),
    // CRM connector, sync log, health, reconciliation
    s(
      `POST ${W}/connectors/{name}/connect`,
      (ids) => ({
        path: `/api/workspaces/${ids.workspaceId}/connectors/hubspot/connect`,
        body: {
          credentials: { access_token: world.hubspot.data.token },
          base_url: world.hubspot.url,
          sync: false,
        },
      }),
      undefined,
    ),
    s(`GET ${W}/connectors`),
    s(
      `POST ${W}/connectors/{name}/sync`,
      (ids) => ({ path: `/api/workspaces/${ids.workspaceId}/connectors/hubspot/sync`, body: {} }),
      (b, ids) => {
        ids.id = b.sync_log_id;
      },
      true,
    ),
    s(`GET ${W}/sync-log`),
    s(`GET ${W}/sync-log/{id}`),
    s(`GET ${W}/connectors/{name}/health`, (ids) => ({
      path: `/api/workspaces/${ids.workspaceId}/connectors/hubspot/health`,
    })),
    s(
      `POST ${W}/connectors/{name}/reconcile-associations`,
      (ids) => ({
        path: `/api/workspaces/${ids.workspaceId}/connectors/hubspot/reconcile-associations`,
        body: {},
      }),
      (b, ids) => {
        ids.reconciliationId = b.reconciliation_id ?? b.id;
      },
      true,
    ),
    s(`GET ${W}/connectors/{name}/reconciliations`, (ids) => ({
      path: `/api/workspaces/${ids.workspaceId}/connectors/hubspot/reconciliations`,
    })),
    s(`GET ${W}/connectors/{name}/reconciliations/{id}`, (ids) => ({
      path: `/api/workspaces/${ids.workspaceId}/connectors/hubspot/reconciliations/${ids.reconciliationId}`,
    })),
    s(`POST ${W}/connectors/hubspot/populate-deal-contacts`, () => ({ body: {} }), undefined, true),
    // recorders and document sources
    s(`POST ${W}/connectors/{name}/connect`, (ids) => ({
      path: `/api/workspaces/${ids.workspaceId}/connectors/gong/connect`,
      body: {
        credentials: { access_key: 'gong-key', access_key_secret: 'gong-secret' },
        base_url: world.gong.url,
      },
    })),
    s(`GET ${W}/connectors/{name}/users`, (ids) => ({
      path: `/api/workspaces/${ids.workspaceId}/connectors/gong/users`,
    })),
    s(
      `PUT ${W}/connectors/{name}/tracked-users`,
      (ids) => ({
        path: `/api/workspaces/${ids.workspaceId}/connectors/gong/tracked-users`,
        body: { user_ids: ['gu1'] },
      }),
      // The seeded call is no Gong user's: keep it tracked so the insight steps have a call to read.
      async (_b, ids) => {
        await world.app.t.db.query(
          'UPDATE conversations SET is_tracked = true WHERE workspace_id = $1::uuid AND id = $2::uuid',
          [ids.workspaceId!, ids.walkCall!],
        );
      },
      true,
    ),
    s(
      `POST ${W}/connectors/{name}/connect`,
      (ids) => ({
        path: `/api/workspaces/${ids.workspaceId}/connectors/gdrive/connect`,
        body: {
          credentials: { access_token: 'drive-token-123' },
          base_url: world.drive.url,
          metadata: { selection: { folder_ids: ['fold-clients'] } },
        },
      }),
      undefined,
      true,
    ),
    s(
      `PUT ${W}/connectors/{name}/selection`,
      (ids) => ({
        path: `/api/workspaces/${ids.workspaceId}/connectors/gdrive/selection`,
        body: { selection: { folder_ids: ['fold-clients'] } },
      }),
      async (_b, ids) => {
        const { rows } = await world.app.t.db.query<{ id: string }>(
          `SELECT id FROM documents WHERE workspace_id = $1::uuid AND source_id = 'doc-acme'`,
          [ids.workspaceId!],
        );
        ids.driveDoc = rows[0]!.id;
      },
      true,
    ),
    s(`GET ${W}/sales-roster`),
    ...analysisSteps(world, s),
    // signed inbound webhooks
    s(
      'POST /webhooks/{workspaceId}/skills/{skillId}/trigger',
      (ids) => ({
        ...signed({ inputs: { as_of: '2026-03-01' } }, ids),
        path: `/webhooks/${ids.workspaceId}/skills/forecast/trigger`,
      }),
      (b, ids) => {
        ids.runId = b.id ?? b.run_id;
      },
      true,
    ),
    s('GET /webhooks/{workspaceId}/runs/{runId}', (ids) => signed(undefined, ids)),
    s('POST /webhooks/{workspaceId}/events', (ids) =>
      signed({ id: 'walk-1', type: 'deal.updated', connector: 'hubspot', object_ids: ['1'] }, ids),
    ),
    // deletions last
    s(`DELETE ${W}/webhook-endpoints/{endpointId}`),
    s(`DELETE ${W}/workflows/{workflowId}`),
    s(`DELETE ${W}/slack/settings`),
    s(`DELETE ${W}/connectors/{name}`, (ids) => ({
      path: `/api/workspaces/${ids.workspaceId}/connectors/gdrive`,
    })),
    s(`DELETE ${W}/quota-periods/{periodId}`),
    s('DELETE /api/workspaces/{workspaceId}', (ids) => ({ path: `/api/workspaces/${ids.scratchWorkspace}` })),
  ];
}
