/**
 * Outbound webhook endpoints a workspace registers: the URL, the events it wants, a signing secret
 * (shown once, at creation), and whether it is on. An endpoint that keeps failing is turned off with the
 * reason; turning it on again resets the count.
 */
import { z } from 'zod';
import type { CredentialVault } from '../../connectors/credential-vault.ts';
import type { Queryable } from '../../db/db.ts';
import { NotFoundError } from '../../errors.ts';
import { newWebhookSecret } from './webhook-signature.ts';

export const WEBHOOK_EVENT_TYPES = [
  'skill_run.completed',
  'sync.completed',
  'sync.failed',
  'insights.written',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

const eventList = z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length);
export const createEndpointBody = z
  .object({ url: z.string().url().max(2000), events: eventList.default([...WEBHOOK_EVENT_TYPES]) })
  .strict();
export const updateEndpointBody = z
  .object({
    url: z.string().url().max(2000).optional(),
    events: eventList.optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

export interface WebhookEndpointView {
  id: string;
  url: string;
  events: WebhookEventType[];
  enabled: boolean;
  disabled_reason: string | null;
  consecutive_failures: number;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'id, url, events, enabled, disabled_reason, consecutive_failures, created_at, updated_at';

interface Row extends Omit<WebhookEndpointView, 'created_at' | 'updated_at'> {
  created_at: Date;
  updated_at: Date;
}

function toView(r: Row): WebhookEndpointView {
  return { ...r, created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString() };
}

export async function createWebhookEndpoint(
  q: Queryable,
  workspaceId: string,
  vault: CredentialVault,
  body: z.infer<typeof createEndpointBody>,
): Promise<WebhookEndpointView & { secret: string }> {
  const secret = newWebhookSecret();
  const { rows } = await q.query<Row>(
    `INSERT INTO webhook_endpoints (workspace_id, url, secret, events) VALUES ($1::uuid, $2, $3::bytea, $4::text[])
     RETURNING ${COLUMNS}`,
    [workspaceId, body.url, vault.encrypt(secret), [...new Set(body.events)]],
  );
  return { ...toView(rows[0]!), secret };
}

export async function listWebhookEndpoints(
  q: Queryable,
  workspaceId: string,
): Promise<WebhookEndpointView[]> {
  const { rows } = await q.query<Row>(
    `SELECT ${COLUMNS} FROM webhook_endpoints WHERE workspace_id = $1::uuid ORDER BY created_at, id`,
    [workspaceId],
  );
  return rows.map(toView);
}

export async function getWebhookEndpoint(
  q: Queryable,
  workspaceId: string,
  id: string,
): Promise<WebhookEndpointView> {
  const { rows } = await q.query<Row>(
    `SELECT ${COLUMNS} FROM webhook_endpoints WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [workspaceId, id],
  );
  if (!rows[0]) throw new NotFoundError('webhook endpoint');
  return toView(rows[0]);
}

export async function updateWebhookEndpoint(
  q: Queryable,
  workspaceId: string,
  id: string,
  body: z.infer<typeof updateEndpointBody>,
): Promise<WebhookEndpointView> {
  const { rows } = await q.query<Row>(
    /* sql */ `UPDATE webhook_endpoints SET
       url = coalesce($3, url),
       events = coalesce($4::text[], events),
       enabled = coalesce($5, enabled),
       -- Turning an endpoint on again starts its failure count afresh.
       disabled_reason = CASE WHEN $5 THEN NULL ELSE disabled_reason END,
       consecutive_failures = CASE WHEN $5 THEN 0 ELSE consecutive_failures END,
       updated_at = now()
     WHERE workspace_id = $1::uuid AND id = $2::uuid RETURNING ${COLUMNS}`,
    [workspaceId, id, body.url ?? null, body.events ? [...new Set(body.events)] : null, body.enabled ?? null],
  );
  if (!rows[0]) throw new NotFoundError('webhook endpoint');
  return toView(rows[0]);
}

export async function deleteWebhookEndpoint(q: Queryable, workspaceId: string, id: string): Promise<void> {
  const res = await q.query('DELETE FROM webhook_endpoints WHERE workspace_id = $1::uuid AND id = $2::uuid', [
    workspaceId,
    id,
  ]);
  if (res.rowCount === 0) throw new NotFoundError('webhook endpoint');
}
