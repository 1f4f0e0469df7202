/**
 * The second half of the operations walk: entities, transcripts and documents, compute, skills, the
 * linker, imports, insights, Slack, webhooks and workflows, then the deletions.
 */
import assert from 'node:assert/strict';
import { ENTITY_LISTINGS } from '../../src/entities/entity-listings.ts';
import type { WalkStep } from './api-walk.ts';
import type { WalkWorld } from './api-walk-world.ts';

const W = '/api/workspaces/{workspaceId}';
const dealCsv =
  'Deal Name,Amount,Stage,Close Date\nWalk deal one,1200,Qualification,2026-04-01\nWalk deal two,800,Closed Won,2026-02-01\n';

function csvForm(csv: string): FormData {
  const form = new FormData();
  form.append('entity_type', 'deals');
  form.append('file', new Blob([csv]), 'deals.csv');
  return form;
}

const syncFailedTree = {
  trigger: { type: 'sync_event', event: 'sync.failed' },
  steps: [
    {
      id: 'notify',
      kind: 'action',
      action: 'call_webhook',
      inputs: { url: 'https://hooks.example.com/pandora', error: '{{trigger.error}}' },
    },
  ],
};

// The fake Slack's default bot token.
const SLACK_TOKEN = 'xoxb-fake-slack-token-0001';

type Step = (
  op: string,
  request?: WalkStep['request'],
  then?: WalkStep['then'],
  settle?: boolean,
) => WalkStep;

export function analysisSteps(world: WalkWorld, s: Step): WalkStep[] {
  const ws = (ids: Record<string, string>) => `/api/workspaces/${ids.workspaceId}`;
  const firstId = (key: string) => (b: any, ids: Record<string, string>) => {
    if (b.data?.[0]?.id) ids[key] = b.data[0].id;
  };
  return [
    ...Object.keys(ENTITY_LISTINGS).flatMap((segment) => [
      s(
        `GET ${W}/${segment}`,
        (ids) => ({ path: `${ws(ids)}/${segment}?include_total=true` }),
        firstId(segment),
      ),
      s(`GET ${W}/${segment}/{entityId}`, (ids) => ({ path: `${ws(ids)}/${segment}/${ids[segment]}` })),
    ]),
    s(`GET ${W}/deals/{entityId}`, (ids) => ({ path: `${ws(ids)}/deals/${world.dealIds[0]}` })),
    s(`GET ${W}/conversations/{id}/transcript`, (ids) => ({
      path: `${ws(ids)}/conversations/${ids.walkCall}/transcript`,
    })),
    s(`GET ${W}/documents/{id}/content`, (ids) => ({ path: `${ws(ids)}/documents/${ids.driveDoc}/content` })),
    // compute, skills, LLM settings
    s(`POST ${W}/compute/run`, () => ({ body: { as_of: '2026-03-01' } })),
    s(`GET ${W}/skills`),
    s(
      `POST ${W}/skills/{skillId}/run`,
      (ids) => ({ path: `${ws(ids)}/skills/forecast/run`, body: { inputs: { as_of: '2026-03-01' } } }),
      (b, ids) => {
        ids.runId = b.id;
      },
      true,
    ),
    s(`GET ${W}/skill-runs`),
    s(`GET ${W}/skill-runs/{runId}`),
    s(`PUT ${W}/skill-schedules/{skillId}`, (ids) => ({
      path: `${ws(ids)}/skill-schedules/forecast`,
      body: { cron: '0 7 * * 1', timezone: 'Europe/London', enabled: true },
    })),
    s(`GET ${W}/skill-schedules`),
    s(`GET ${W}/llm/usage`),
    s(`PUT ${W}/llm/config`, () => ({ body: { metadata: { classify_model: 'claude-haiku' } } })),
    // linker
    s(`GET ${W}/config/internal-domains`),
    s(`PUT ${W}/config/internal-domains`, () => ({ body: { domains: ['acme.test'] } })),
    s(`POST ${W}/linker/run`, () => ({ body: {} })),
    s(`GET ${W}/linker/status`),
    s(`GET ${W}/linker/coverage/history`),
    s(`PUT ${W}/conversations/{conversationId}/links`, (ids) => ({
      path: `${ws(ids)}/conversations/${ids.walkCall}/links`,
      body: { deal_id: world.dealIds[0] },
    })),
    s(`GET ${W}/conversations-without-deals`),
    s(`GET ${W}/conversations-without-deals/summary`),
    // file import
    s(`GET ${W}/import/fields`),
    s(
      `POST ${W}/import/upload`,
      () => ({ form: csvForm(dealCsv) }),
      (b, ids) => {
        ids.batchId = b.batch.id;
      },
    ),
    s(`POST ${W}/import/{batchId}/confirm`, () => ({ body: { strategy: 'append' } }), undefined, true),
    s(`GET ${W}/import/batches`),
    s(`GET ${W}/import/batches/{batchId}`),
    s(`POST ${W}/import/relink`, () => ({ body: {} })),
    s(`POST ${W}/import/{batchId}/rollback`, () => ({ body: {} }), undefined, true),
    s(
      `POST ${W}/import/upload`,
      () => ({ form: csvForm(dealCsv) }),
      (b, ids) => {
        ids.batchId = b.batch.id;
      },
    ),
    s(`POST ${W}/import/cancel/{batchId}`, () => ({ body: {} })),
    // insights
    s(`GET ${W}/insights/status`),
    s(
      `POST ${W}/insights/extract`,
      () => ({ body: { scope: 'pending' } }),
      (b, ids) => {
        ids.insightRunId = b.id;
      },
      true,
    ),
    s(`GET ${W}/insights/runs/{runId}`, (ids) => ({ path: `${ws(ids)}/insights/runs/${ids.insightRunId}` })),
    s(
      `GET ${W}/deals/{dealId}/insights`,
      (ids) => ({ path: `${ws(ids)}/deals/${world.dealIds[0]}/insights` }),
      // The insight schemas are only held to rows that exist.
      (b) => assert.ok(b.count > 0, 'the seeded call gave insights'),
    ),
    s(`GET ${W}/deals/{dealId}/insights/history`, (ids) => ({
      path: `${ws(ids)}/deals/${world.dealIds[0]}/insights/history`,
    })),
    // closed-deal enrichment (no Apollo or Serper key: those steps report not_configured)
    s(`PUT ${W}/config/enrichment`, () => ({ body: { signals_per_account: 3 } })),
    s(`GET ${W}/config/enrichment`),
    s(`POST ${W}/enrichment/deal/{dealId}`, (ids) => ({
      path: `${ws(ids)}/enrichment/deal/${world.closedDealId}`,
    })),
    s(
      `POST ${W}/enrichment/batch`,
      () => ({ body: { deal_ids: [world.closedDealId] } }),
      (b, ids) => {
        ids.enrichmentRunId = b.id;
      },
      true,
    ),
    s(`GET ${W}/enrichment/runs/{runId}`, (ids) => ({
      path: `${ws(ids)}/enrichment/runs/${ids.enrichmentRunId}`,
    })),
    s(`GET ${W}/enrichment/status`),
    s(`GET ${W}/deals/{dealId}/buying-committee`, (ids) => ({
      path: `${ws(ids)}/deals/${world.closedDealId}/buying-committee`,
    })),
    // the ICP profile learned when the world was seeded, and lead scores against it
    s(`GET ${W}/icp/profile`, undefined, (b) => assert.ok(b.features.length > 0, 'the profile has features')),
    s(`GET ${W}/icp/profiles`),
    s(
      `GET ${W}/lead-scores`,
      (ids) => ({ path: `${ws(ids)}/lead-scores?entity_type=account&entity_id=${world.scoredAccountId}` }),
      (b) => assert.ok(b.data[0].breakdown.length > 0, 'the score has a breakdown'),
    ),
    // Slack
    s(`PUT ${W}/slack/settings`, () => ({
      body: { bot_token: SLACK_TOKEN, default_channel: 'C0SALES01' },
    })),
    s(`GET ${W}/slack/settings`),
    s(`POST ${W}/skill-runs/{runId}/slack/preview`, () => ({ body: {} })),
    s(`POST ${W}/skill-runs/{runId}/slack/post`, () => ({ body: {} })),
    s(
      `POST ${W}/insights/slack/preview`,
      () => ({ body: { since: '2020-01-01T00:00:00Z' } }),
      (b) => assert.ok(b.digest.deals.length > 0, 'the digest has a deal'),
    ),
    s(`POST ${W}/insights/slack/post`, () => ({ body: { since: '2020-01-01T00:00:00Z' } })),
    // webhooks out and in
    s(
      `POST ${W}/webhooks/signing-secrets`,
      () => ({ body: {} }),
      (b, ids) => {
        ids.signingSecret = b.secret;
      },
    ),
    s(`GET ${W}/webhooks/signing-secrets`),
    s(
      `POST ${W}/webhook-endpoints`,
      () => ({ body: { url: `${world.engine.url}/walk-receiver`, events: ['sync.completed'] } }),
      (b, ids) => {
        ids.endpointId = b.id;
      },
    ),
    s(`GET ${W}/webhook-endpoints`),
    s(`GET ${W}/webhook-endpoints/{endpointId}`),
    s(`PATCH ${W}/webhook-endpoints/{endpointId}`, () => ({ body: { enabled: false } })),
    s(`GET ${W}/webhook-endpoints/{endpointId}/deliveries`),
    // workflows
    s(`GET ${W}/workflow-templates`),
    s(`GET ${W}/workflow-connectors`),
    s(`GET ${W}/workflow-connectors/status`),
    s(`GET ${W}/workflow-engine`),
    s(`POST ${W}/workflows/validate`, () => ({ body: { tree: syncFailedTree } })),
    s(`POST ${W}/workflows/compile`, () => ({ body: { name: 'Sync alarm', tree: syncFailedTree } })),
    s(
      `POST ${W}/workflows`,
      () => ({ body: { name: 'Sync alarm', tree: syncFailedTree } }),
      (b, ids) => {
        ids.workflowId = b.id;
      },
    ),
    s(`GET ${W}/workflows`),
    s(`GET ${W}/workflows/{workflowId}`),
    s(`PUT ${W}/workflows/{workflowId}`, () => ({ body: { description: 'pages on failed syncs' } })),
    s(`POST ${W}/workflows/{workflowId}/activate`, () => ({ body: {} })),
    s(
      `POST ${W}/workflows/{workflowId}/execute`,
      () => ({ body: { payload: { error: 'walk' } } }),
      (b, ids) => {
        ids.workflowRunId = b.id;
      },
    ),
    s(`GET ${W}/workflows/{workflowId}/runs`),
    s(`GET ${W}/workflows/{workflowId}/runs/{runId}`, (ids) => ({
      path: `${ws(ids)}/workflows/${ids.workflowId}/runs/${ids.workflowRunId}`,
    })),
    s(`POST ${W}/workflows/{workflowId}/pause`, () => ({ body: {} })),
    s(`POST ${W}/workflow-templates/{templateId}/instantiate`, (ids) => ({
      path: `${ws(ids)}/workflow-templates/high-risk-deals-to-slack/instantiate`,
      body: { params: { channel: 'C0123456789' } },
    })),
    s(`POST ${W}/workflow-connectors/{piece}/consent`, (ids) => ({
      path: `${ws(ids)}/workflow-connectors/slack/consent`,
      body: {
        client_id: 'cid',
        client_secret: 'csecret',
        code: 'auth-code',
        redirect_url: 'https://pandora.example.com/oauth',
        scope: 'chat:write',
      },
    })),
  ];
}
