/**
 * Inbound webhooks, outside the API-key world: each request is signed with the workspace's webhook
 * secret (outputs/webhooks/inbound-webhooks.ts) and has no effect until the signature, timestamp and
 * replay checks pass. Triggers a skill run, reads a run's status, or takes a CRM change notice that
 * starts (or joins) an incremental sync of that connector.
 */
import type { IncomingMessage } from 'node:http';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { withWorkspace } from '../../db/tenant-scope.ts';
import { NotFoundError } from '../../errors.ts';
import { ReplayedRequestError, verifySignedRequest } from '../../outputs/webhooks/inbound-webhooks.ts';
import { startSkillRun } from '../../skills/skill-dispatch.ts';
import { getSkillRun } from '../../skills/skill-runs.ts';
import type { SkillResult } from '../../skills/skill-types.ts';
import { requestSync } from '../../sync/sync-requests.ts';
import type { AppDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi/openapi-document.ts';
import { fromZod } from '../openapi/route-doc-builders.ts';
import { accepted, ok } from '../openapi/schema-builders.ts';
import {
  inboundEventsSchema,
  triggeredRunSchema,
  triggeredRunStatusSchema,
} from '../openapi/schemas/output-schemas.ts';
import { parseInput, uuidParam } from '../request-validation.ts';

const skillIdParam = z.string().regex(/^[a-z0-9-]{1,64}$/, 'not a skill id');
const triggerBody = z.object({ inputs: z.record(z.string(), z.unknown()).default({}) }).strict();
const eventId = z.string().regex(/^[\w.:-]{1,200}$/, 'letters, digits and . _ : - only');
const connectorName = z.string().regex(/^[a-z0-9_-]{1,40}$/, 'not a connector name');

/** A generic change notice: which connector's records changed. */
const genericEvent = z
  .object({
    id: eventId,
    type: z.string().min(1).max(100),
    connector: connectorName,
    object_ids: z.array(z.string().max(200)).max(10_000).optional(),
  })
  .strict();
/** HubSpot webhook subscriptions deliver arrays of these (developers.hubspot.com, webhooks API). */
const hubspotEvent = z
  .object({
    eventId: z.union([z.number().int(), eventId]),
    subscriptionType: z.string().min(1).max(100),
    objectId: z.union([z.number().int(), z.string().max(200)]).optional(),
    portalId: z.number().int().optional(),
  })
  .passthrough();
const eventsBody = z.union([genericEvent, z.array(hubspotEvent).min(1).max(1000)]);

/** The bytes express.json parsed, kept for the signature (app.ts keeps them for /webhooks only). */
export interface RawBodyRequest extends IncomingMessage {
  rawBody?: Buffer;
}

function rawBody(req: Request): Buffer {
  return (req as unknown as RawBodyRequest).rawBody ?? Buffer.alloc(0);
}

export function inboundWebhookRoutes(deps: AppDeps): Router {
  const r = Router();
  const verify = (req: Request, replayCheck: boolean) =>
    verifySignedRequest(deps, String(req.params.workspaceId), req.headers, rawBody(req), {
      replayCheck,
      requestLine: `${req.method} ${req.path}`,
    });

  r.post('/webhooks/:workspaceId/skills/:skillId/trigger', async (req, res) => {
    const signed = await verify(req, true);
    const skillId = parseInput(skillIdParam, req.params.skillId, 'path');
    const body = parseInput(triggerBody, req.body, 'body');
    const run = await startSkillRun(deps, signed.workspaceId, skillId, body.inputs, 'webhook');
    res.status(202).json({
      id: run.id,
      skill_id: run.skill_id,
      status: run.status,
      status_url: `/webhooks/${signed.workspaceId}/runs/${run.id}`,
    });
  });

  r.get('/webhooks/:workspaceId/runs/:runId', async (req, res) => {
    const signed = await verify(req, false);
    const id = parseInput(uuidParam, req.params.runId, 'path');
    const run = await withWorkspace(deps.db, signed.workspaceId, (tx) =>
      getSkillRun(tx, signed.workspaceId, id),
    );
    const result = run.result as SkillResult | null;
    res.json({
      id: run.id,
      skill_id: run.skill_id,
      status: run.status,
      headline: result?.narrative?.headline ?? null,
      findings: result?.findings.length ?? null,
      error: run.error,
      created_at: run.created_at,
      finished_at: run.finished_at,
    });
  });

  r.post('/webhooks/:workspaceId/events', async (req, res) => {
    const signed = await verify(req, true);
    const body = parseInput(eventsBody, req.body, 'body');
    const notice = Array.isArray(body)
      ? {
          connector: 'hubspot',
          ids: body.map((e) => `hubspot:${e.eventId}`),
          objects: body.length,
        }
      : {
          connector: body.connector,
          ids: [`${body.connector}:${body.id}`],
          objects: body.object_ids?.length ?? 0,
        };
    // Every event id is recorded in the same transaction; a delivery whose events were all seen is a repeat.
    const fresh = await withWorkspace(deps.db, signed.workspaceId, async (tx) => {
      const exists = await tx.query(
        `SELECT 1 FROM connections WHERE workspace_id = $1::uuid AND connector_name = $2 AND status <> 'disconnected'`,
        [signed.workspaceId, notice.connector],
      );
      if (exists.rowCount === 0) throw new NotFoundError(`connection ${notice.connector}`);
      let n = 0;
      for (const id of notice.ids) if (await signed.remember(tx, `event:${id}`)) n++;
      return n;
    });
    if (fresh === 0) throw new ReplayedRequestError('every event in this delivery was received before');
    const sync = await requestSync(deps, signed.workspaceId, notice.connector, 'webhook', 'incremental');
    res.status(202).json({
      events: notice.ids.length,
      new_events: fresh,
      sync_log_id: sync.row.id,
      coalesced: !sync.created,
    });
  });

  return r;
}

const signedNote =
  'Signed: X-Pandora-Timestamp (unix seconds) and X-Pandora-Signature: v1=hex(HMAC-SHA256(secret, "<timestamp>.<raw body>")), ' +
  'with a secret from POST /api/workspaces/:workspaceId/webhooks/signing-secrets. 401 for a bad or stale signature, 409 for a replay.';

export function inboundWebhookRouteDocs(): RouteDoc[] {
  const doc = (
    method: RouteDoc['method'],
    path: string,
    summary: string,
    extra: Partial<RouteDoc> = {},
  ): RouteDoc => ({
    method,
    path,
    tag: 'webhooks',
    summary,
    description: signedNote,
    auth: 'none',
    response: ok(triggeredRunStatusSchema),
    ...extra,
  });
  return [
    doc(
      'post',
      '/webhooks/:workspaceId/skills/:skillId/trigger',
      'Start a skill run (202 with its id and status URL)',
      {
        requestBody: fromZod(triggerBody),
        response: accepted(triggeredRunSchema),
      },
    ),
    doc('get', '/webhooks/:workspaceId/runs/:runId', "A run's status and headline"),
    doc(
      'post',
      '/webhooks/:workspaceId/events',
      'A CRM change notice: starts or joins an incremental sync of that connector',
      {
        requestBody: { oneOf: [fromZod(genericEvent), { type: 'array', items: fromZod(hubspotEvent) }] },
        response: accepted(inboundEventsSchema),
      },
    ),
  ];
}
