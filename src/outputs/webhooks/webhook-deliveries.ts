/**
 * Delivering events to registered endpoints, at least once. An event becomes one delivery row per
 * subscribed endpoint (in one statement); each attempt claims its row by pushing `next_attempt_at` out
 * (a lease, so no transaction is held open over the HTTP call and two workers never send the same
 * attempt), posts the signed body, and records the outcome. Failures retry with exponential backoff up to
 * a cap; an endpoint that fails too many times in a row is turned off with the reason. A once-a-minute
 * sweep picks up deliveries whose scheduled attempt was lost (a process that stopped).
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config.ts';
import type { CredentialVault } from '../../connectors/credential-vault.ts';
import type { Db, Queryable } from '../../db/db.ts';
import { withWorkspace } from '../../db/tenant-scope.ts';
import type { JobQueue } from '../../jobs/job-queue.ts';
import type { Logger } from '../../logger.ts';
import type { WebhookEventType } from './webhook-endpoints.ts';
import { OutboundUrlRefusedError } from '../../outbound/outbound-policy.ts';
import { tenantFetch } from '../tenant-url.ts';
import { signatureHeaders } from './webhook-signature.ts';

export interface DeliveryDeps {
  db: Db;
  config: Config;
  log: Logger;
  vault: CredentialVault;
  queue?: JobQueue;
}

export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  workspace_id: string;
  created_at: string;
  data: Record<string, unknown>;
}

/** An attempt's lease: a second worker leaves the row alone until it expires. */
const LEASE_SECONDS = 120;
const MAX_BACKOFF_MS = 3_600_000;
const ATTEMPT_TIMEOUT_MS = 10_000;

const inProcess = new Set<Promise<unknown>>();

/** Records the event for every enabled endpoint subscribed to it, and schedules the first attempts. */
export async function publishWebhookEvent(
  deps: DeliveryDeps,
  workspaceId: string,
  type: WebhookEventType,
  data: Record<string, unknown>,
): Promise<number> {
  const event: WebhookEvent = {
    id: randomUUID(),
    type,
    workspace_id: workspaceId,
    created_at: new Date().toISOString(),
    data,
  };
  const ids = await withWorkspace(deps.db, workspaceId, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      /* sql */ `INSERT INTO webhook_deliveries (workspace_id, endpoint_id, event_id, event_type, payload)
       SELECT e.workspace_id, e.id, $2::uuid, $3, $4::jsonb FROM webhook_endpoints e
       WHERE e.workspace_id = $1::uuid AND e.enabled AND $3 = ANY (e.events)
       RETURNING id`,
      [workspaceId, event.id, type, JSON.stringify(event)],
    );
    return rows.map((r) => r.id);
  });
  for (const id of ids) await scheduleAttempt(deps, workspaceId, id, 0);
  return ids.length;
}

async function scheduleAttempt(deps: DeliveryDeps, workspaceId: string, deliveryId: string, delayMs: number) {
  if (deps.queue) {
    await deps.queue.send(
      'webhook-delivery',
      { workspace_id: workspaceId, delivery_id: deliveryId },
      { startAfterSeconds: Math.ceil(delayMs / 1000) },
    );
    return;
  }
  // No queue (CLI, tests): a timer in this process. If the process ends first, the sweep of the next
  // server picks the delivery up.
  const p = new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      attemptWebhookDelivery(deps, workspaceId, deliveryId)
        .catch((err) => deps.log.error({ err, deliveryId }, 'webhook delivery crashed'))
        .finally(resolve);
    }, delayMs);
    t.unref();
  }).finally(() => inProcess.delete(p));
  inProcess.add(p);
}

/** Waits for in-process attempts, including the retries they schedule (tests). */
export async function settleWebhookDeliveries(): Promise<void> {
  while (inProcess.size > 0) await Promise.allSettled([...inProcess]);
}

export function backoffMs(config: Config, attempts: number): number {
  const base = Math.min(config.webhooks.retryBaseMs * 3 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

interface Claimed {
  payload: WebhookEvent;
  attempts: number;
  url: string;
  secret: Buffer;
  enabled: boolean;
  endpoint_id: string;
}

async function claim(tx: Queryable, workspaceId: string, deliveryId: string): Promise<Claimed | undefined> {
  const { rows } = await tx.query<Claimed>(
    /* sql */ `UPDATE webhook_deliveries d
       SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $3::int)
     FROM webhook_endpoints e
     WHERE d.workspace_id = $1::uuid AND d.id = $2::uuid AND d.status = 'pending'
       AND d.next_attempt_at <= now() + interval '1 second'
       AND e.workspace_id = d.workspace_id AND e.id = d.endpoint_id
     RETURNING d.payload, d.attempts, e.url, e.secret, e.enabled, e.id AS endpoint_id`,
    [workspaceId, deliveryId, LEASE_SECONDS],
  );
  return rows[0];
}

type Outcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

async function post(deps: DeliveryDeps, c: Claimed, deliveryId: string): Promise<Outcome> {
  const body = JSON.stringify(c.payload);
  const secret = deps.vault.decrypt<string>(Buffer.from(c.secret));
  try {
    const res = await tenantFetch(deps.config)(new URL(c.url), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Pandora-Webhooks/1',
        'x-pandora-event': c.payload.type,
        'x-pandora-delivery': deliveryId,
        ...signatureHeaders(secret, body),
      },
      body,
      signal: AbortSignal.timeout(Math.min(deps.config.httpTimeoutMs, ATTEMPT_TIMEOUT_MS)),
    });
    await res.body?.cancel();
    // The receiver's body is never stored: only its status says what happened.
    return res.status >= 200 && res.status < 300
      ? { ok: true, status: res.status }
      : { ok: false, status: res.status, error: `HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    // The policy's refusal names the rule (a private address, a host off the allow-list); nothing else is kept.
    const reason =
      err instanceof OutboundUrlRefusedError
        ? e.message.slice(0, 200)
        : e.name === 'TimeoutError'
          ? 'timed out'
          : (e.cause?.code ?? 'network error');
    return { ok: false, status: null, error: reason };
  }
}

/** One attempt at one delivery; returns what became of it. */
export async function attemptWebhookDelivery(
  deps: DeliveryDeps,
  workspaceId: string,
  deliveryId: string,
): Promise<'delivered' | 'retrying' | 'failed' | 'not_due'> {
  const claimed = await withWorkspace(deps.db, workspaceId, (tx) => claim(tx, workspaceId, deliveryId));
  if (!claimed) return 'not_due';
  const outcome: Outcome = claimed.enabled
    ? await post(deps, claimed, deliveryId)
    : { ok: false, status: null, error: 'endpoint turned off' };
  const { maxAttempts, disableAfterFailures } = deps.config.webhooks;
  const retryInMs = backoffMs(deps.config, claimed.attempts);
  const result = await withWorkspace(deps.db, workspaceId, async (tx) => {
    if (outcome.ok) {
      await tx.query(
        `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), last_status = $3, last_error = NULL
         WHERE workspace_id = $1::uuid AND id = $2::uuid`,
        [workspaceId, deliveryId, outcome.status],
      );
      await tx.query(
        `UPDATE webhook_endpoints SET consecutive_failures = 0 WHERE workspace_id = $1::uuid AND id = $2::uuid`,
        [workspaceId, claimed.endpoint_id],
      );
      return 'delivered' as const;
    }
    let endpointOn = claimed.enabled;
    if (claimed.enabled) {
      const { rows } = await tx.query<{ enabled: boolean }>(
        /* sql */ `UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1,
           enabled = consecutive_failures + 1 < $3,
           disabled_reason = CASE WHEN consecutive_failures + 1 >= $3
             THEN 'turned off after ' || (consecutive_failures + 1) || ' consecutive failed deliveries (last: ' || $4 || ') at ' || now()::text
             ELSE disabled_reason END,
           updated_at = now()
         WHERE workspace_id = $1::uuid AND id = $2::uuid RETURNING enabled`,
        [workspaceId, claimed.endpoint_id, disableAfterFailures, outcome.error],
      );
      endpointOn = rows[0]?.enabled ?? false;
    }
    const final = !endpointOn || claimed.attempts >= maxAttempts;
    await tx.query(
      /* sql */ `UPDATE webhook_deliveries SET last_status = $3, last_error = $4,
         status = CASE WHEN $5 THEN 'failed' ELSE 'pending' END,
         next_attempt_at = CASE WHEN $5 THEN next_attempt_at ELSE now() + make_interval(secs => $6::float8 / 1000) END
       WHERE workspace_id = $1::uuid AND id = $2::uuid`,
      [workspaceId, deliveryId, outcome.status, outcome.error, final, retryInMs],
    );
    return final ? ('failed' as const) : ('retrying' as const);
  });
  if (result === 'retrying') await scheduleAttempt(deps, workspaceId, deliveryId, retryInMs);
  return result;
}

/** Attempts every pending delivery that is due, across workspaces (the once-a-minute sweep). */
export async function sweepDueWebhookDeliveries(deps: DeliveryDeps, limit = 200): Promise<number> {
  const { rows } = await deps.db.query<{ workspace_id: string; id: string }>(
    `SELECT workspace_id, id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
     ORDER BY next_attempt_at LIMIT $1::int`,
    [limit],
  );
  let attempted = 0;
  for (const r of rows) {
    if ((await attemptWebhookDelivery(deps, r.workspace_id, r.id)) !== 'not_due') attempted++;
  }
  return attempted;
}

export interface DeliveryView {
  id: string;
  event_id: string;
  event_type: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  delivered_at: string | null;
}

export async function listWebhookDeliveries(
  q: Queryable,
  workspaceId: string,
  endpointId: string,
  limit: number,
): Promise<DeliveryView[]> {
  const { rows } = await q.query<DeliveryView>(
    /* sql */ `SELECT id, event_id, event_type, status, attempts, last_status, last_error,
       CASE WHEN status = 'pending' THEN to_char(next_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END AS next_attempt_at,
       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
       to_char(delivered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS delivered_at
     FROM webhook_deliveries WHERE workspace_id = $1::uuid AND endpoint_id = $2::uuid
     ORDER BY created_at DESC, id DESC LIMIT $3::int`,
    [workspaceId, endpointId, limit],
  );
  return rows;
}

export async function registerWebhookDeliveryWorker(queue: JobQueue, deps: DeliveryDeps): Promise<void> {
  const withQueue = { ...deps, queue };
  await queue.work('webhook-delivery', async (data) => {
    await attemptWebhookDelivery(withQueue, data.workspace_id, data.delivery_id);
  });
  await queue.work('webhook-delivery-sweep', async () => {
    await sweepDueWebhookDeliveries(withQueue);
  });
  await queue.schedule('webhook-delivery-sweep', '* * * * *', {});
}
