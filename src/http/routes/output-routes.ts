/**
 * Outputs a workspace configures: its Slack settings, a run's Slack preview or post, and the
 * deal-insights digest's; the inbound webhook signing secret; outbound webhook endpoints and their
 * delivery log.
 */
import { Router } from 'express';
import { z } from 'zod';
import { withWorkspace } from '../../db/tenant-scope.ts';
import { postInsightsDigest, previewInsightsDigest } from '../../outputs/slack/insights-digest.ts';
import { postSkillRunToSlack, slackMessagesForRun } from '../../outputs/slack/slack-run-posts.ts';
import {
  deleteSlackSettings,
  getSlackSettingsView,
  putSlackSettings,
  slackSettingsBody,
} from '../../outputs/slack/slack-settings.ts';
import { listSigningSecrets, rotateSigningSecret } from '../../outputs/webhooks/inbound-webhooks.ts';
import { listWebhookDeliveries } from '../../outputs/webhooks/webhook-deliveries.ts';
import {
  createEndpointBody,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookEndpoints,
  updateEndpointBody,
  updateWebhookEndpoint,
} from '../../outputs/webhooks/webhook-endpoints.ts';
import { getSkillRun } from '../../skills/skill-runs.ts';
import { type AppDeps, inRequestWorkspace, workspaceOf } from '../deps.ts';
import type { RouteDoc } from '../openapi/openapi-document.ts';
import { fromZod, routeDoc, WS } from '../openapi/route-doc-builders.ts';
import { created, dataList, ok } from '../openapi/schema-builders.ts';
import {
  digestPostOutcomeSchema,
  digestPreviewSchema,
  newSigningSecretSchema,
  newWebhookEndpointSchema,
  signingSecretsSchema,
  slackMessagesSchema,
  slackPostOutcomeSchema,
  slackSettingsSchema,
  webhookDeliveriesSchema,
  webhookEndpointSchema,
} from '../openapi/schemas/output-schemas.ts';
import { parseInput, uuidParam } from '../request-validation.ts';
import { checkTenantUrl } from '../../outputs/tenant-url.ts';

const rotateBody = z
  .object({
    grace_seconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86400)
      .default(3600),
  })
  .strict();
const DIGEST_DEFAULT_DAYS = 7;
export const digestBody = z
  .object({
    since: z.iso
      .datetime({ offset: true })
      .refine((v) => Date.parse(v) >= 0, 'a date-time from 1970 on')
      .optional()
      .describe(
        `ISO 8601 date-time; insights written since then (default: the last ${DIGEST_DEFAULT_DAYS} days)`,
      ),
  })
  .strict();

function digestSince(body: z.infer<typeof digestBody>): Date {
  return body.since ? new Date(body.since) : new Date(Date.now() - DIGEST_DEFAULT_DAYS * 86_400_000);
}

const deliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict();

export function outputRoutes(deps: AppDeps): Router {
  const r = Router();

  r.get('/slack/settings', async (_req, res) => {
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => getSlackSettingsView(tx, ws, deps.vault)));
  });
  r.put('/slack/settings', async (req, res) => {
    const body = parseInput(slackSettingsBody, req.body, 'body');
    if (body.webhook_url) checkTenantUrl(deps.config, body.webhook_url, 'webhook_url');
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => putSlackSettings(tx, ws, deps.vault, body)));
  });
  r.delete('/slack/settings', async (_req, res) => {
    await inRequestWorkspace(deps, res, (tx, ws) => deleteSlackSettings(tx, ws));
    res.status(204).end();
  });
  r.post('/skill-runs/:runId/slack/preview', async (req, res) => {
    const id = parseInput(uuidParam, req.params.runId, 'path');
    const run = await inRequestWorkspace(deps, res, (tx, ws) => getSkillRun(tx, ws, id));
    res.json({ messages: slackMessagesForRun(deps.config, run, workspaceOf(res)) });
  });
  r.post('/skill-runs/:runId/slack/post', async (req, res) => {
    const id = parseInput(uuidParam, req.params.runId, 'path');
    const ws = workspaceOf(res);
    await withWorkspace(deps.db, ws, (tx) => getSkillRun(tx, ws, id)); // 404 before anything else
    const outcome = await postSkillRunToSlack(deps, ws, id, { force: true });
    res.json(outcome ?? { status: 'skipped', reason: 'Slack is not configured for this workspace' });
  });

  r.post('/insights/slack/preview', async (req, res) => {
    const body = parseInput(digestBody, req.body ?? {}, 'body');
    res.json(await previewInsightsDigest(deps, workspaceOf(res), digestSince(body)));
  });
  r.post('/insights/slack/post', async (req, res) => {
    const body = parseInput(digestBody, req.body ?? {}, 'body');
    res.json(await postInsightsDigest(deps, workspaceOf(res), digestSince(body), { force: true }));
  });

  r.get('/webhooks/signing-secrets', async (_req, res) => {
    res.json({ data: await inRequestWorkspace(deps, res, (tx, ws) => listSigningSecrets(tx, ws)) });
  });
  r.post('/webhooks/signing-secrets', async (req, res) => {
    const body = parseInput(rotateBody, req.body, 'body');
    res
      .status(201)
      .json(
        await inRequestWorkspace(deps, res, (tx, ws) =>
          rotateSigningSecret(tx, ws, deps.vault, body.grace_seconds),
        ),
      );
  });

  r.get('/webhook-endpoints', async (_req, res) => {
    res.json({ data: await inRequestWorkspace(deps, res, (tx, ws) => listWebhookEndpoints(tx, ws)) });
  });
  r.post('/webhook-endpoints', async (req, res) => {
    const body = parseInput(createEndpointBody, req.body, 'body');
    checkTenantUrl(deps.config, body.url, 'url');
    res
      .status(201)
      .json(await inRequestWorkspace(deps, res, (tx, ws) => createWebhookEndpoint(tx, ws, deps.vault, body)));
  });
  r.get('/webhook-endpoints/:endpointId', async (req, res) => {
    const id = parseInput(uuidParam, req.params.endpointId, 'path');
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => getWebhookEndpoint(tx, ws, id)));
  });
  r.patch('/webhook-endpoints/:endpointId', async (req, res) => {
    const id = parseInput(uuidParam, req.params.endpointId, 'path');
    const body = parseInput(updateEndpointBody, req.body, 'body');
    if (body.url) checkTenantUrl(deps.config, body.url, 'url');
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => updateWebhookEndpoint(tx, ws, id, body)));
  });
  r.delete('/webhook-endpoints/:endpointId', async (req, res) => {
    const id = parseInput(uuidParam, req.params.endpointId, 'path');
    await inRequestWorkspace(deps, res, (tx, ws) => deleteWebhookEndpoint(tx, ws, id));
    res.status(204).end();
  });
  r.get('/webhook-endpoints/:endpointId/deliveries', async (req, res) => {
    const id = parseInput(uuidParam, req.params.endpointId, 'path');
    const q = parseInput(deliveriesQuery, req.query, 'query');
    const data = await inRequestWorkspace(deps, res, async (tx, ws) => {
      await getWebhookEndpoint(tx, ws, id);
      return listWebhookDeliveries(tx, ws, id, q.limit);
    });
    res.json({ data });
  });
  return r;
}

export function outputRouteDocs(): RouteDoc[] {
  const endpointPath = `${WS}/webhook-endpoints/:endpointId`;
  return [
    routeDoc(
      'get',
      `${WS}/slack/settings`,
      'outputs',
      'Slack settings: mode, channels per skill, on/off (never the token)',
      { response: ok(slackSettingsSchema) },
    ),
    routeDoc(
      'put',
      `${WS}/slack/settings`,
      'outputs',
      'Set the Slack bot token or webhook URL (write-only), channels and skills',
      {
        requestBody: fromZod(slackSettingsBody),
        response: ok(slackSettingsSchema),
      },
    ),
    routeDoc('delete', `${WS}/slack/settings`, 'outputs', 'Remove the Slack settings'),
    routeDoc(
      'post',
      `${WS}/skill-runs/:runId/slack/preview`,
      'outputs',
      'The Block Kit messages a run would post, without posting',
      { response: ok(slackMessagesSchema) },
    ),
    routeDoc(
      'post',
      `${WS}/skill-runs/:runId/slack/post`,
      'outputs',
      'Post a run to Slack now; the outcome is recorded on the run',
      { response: ok(slackPostOutcomeSchema) },
    ),
    routeDoc(
      'post',
      `${WS}/insights/slack/preview`,
      'outputs',
      'The deal-insights digest (insights written since a time, by deal, with quotes) and the Block Kit messages it would post, without posting',
      { requestBody: fromZod(digestBody), response: ok(digestPreviewSchema) },
    ),
    routeDoc(
      'post',
      `${WS}/insights/slack/post`,
      'outputs',
      'Post the deal-insights digest to the channel set for deal-insights (or the default); 409 when Slack is not configured or has no channel for it',
      { requestBody: fromZod(digestBody), response: ok(digestPostOutcomeSchema) },
    ),
    routeDoc(
      'get',
      `${WS}/webhooks/signing-secrets`,
      'outputs',
      'The live inbound signing secrets (ids and dates only)',
      { response: ok(signingSecretsSchema) },
    ),
    routeDoc(
      'post',
      `${WS}/webhooks/signing-secrets`,
      'outputs',
      'Create or rotate the inbound signing secret (shown once); the previous one stays valid for grace_seconds',
      {
        requestBody: fromZod(rotateBody),
        response: created(newSigningSecretSchema),
      },
    ),
    routeDoc('get', `${WS}/webhook-endpoints`, 'outputs', 'Outbound webhook endpoints', {
      response: ok(dataList(webhookEndpointSchema)),
    }),
    routeDoc(
      'post',
      `${WS}/webhook-endpoints`,
      'outputs',
      'Register an endpoint for skill_run.completed, sync.completed, sync.failed, insights.written (its secret is shown once)',
      {
        requestBody: fromZod(createEndpointBody),
        response: created(newWebhookEndpointSchema),
      },
    ),
    routeDoc('get', endpointPath, 'outputs', 'One endpoint, with why it was turned off', {
      response: ok(webhookEndpointSchema),
    }),
    routeDoc('patch', endpointPath, 'outputs', 'Change the URL or events; enabled: true turns it back on', {
      requestBody: fromZod(updateEndpointBody),
      response: ok(webhookEndpointSchema),
    }),
    routeDoc('delete', endpointPath, 'outputs', 'Remove an endpoint and its delivery log'),
    routeDoc(
      'get',
      `${endpointPath}/deliveries`,
      'outputs',
      'Delivery log, newest first: status, attempts, last HTTP status',
      {
        parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200 } }],
        response: ok(webhookDeliveriesSchema),
      },
    ),
  ];
}
