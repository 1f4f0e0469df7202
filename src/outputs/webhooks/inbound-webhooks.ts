/**
 * Inbound webhooks: the workspace's signing secrets (created and rotated through the API, shown once),
 * and the check every request to /webhooks/:workspaceId/… passes before it has any effect: a signature
 * by a live secret, a timestamp within five minutes, and a signature (or event id) not seen before.
 * An unknown workspace costs the same work as a wrong signature, so timing tells a caller nothing.
 */
import { createHash } from 'node:crypto';
import type { CredentialVault } from '../../connectors/credential-vault.ts';
import type { Db, Queryable } from '../../db/db.ts';
import { withWorkspace } from '../../db/tenant-scope.ts';
import { AppError } from '../../errors.ts';
import {
  newWebhookSecret,
  REPLAY_WINDOW_SECONDS,
  SIGNATURE_HEADER,
  signaturesEqual,
  signWebhook,
  TIMESTAMP_HEADER,
} from './webhook-signature.ts';

/** 401: the request is not signed by this workspace's secret (or the workspace does not exist). */
export class InvalidSignatureError extends AppError {
  constructor(message = 'missing or invalid webhook signature') {
    super('invalid_signature', message);
  }
}

/** 409: this exact request, or this event id, was accepted before. */
export class ReplayedRequestError extends AppError {
  constructor(message: string) {
    super('replayed', message);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL_WORKSPACE = '00000000-0000-0000-0000-000000000000';
// Compared against when the workspace has no live secret, so that path does the same HMAC work.
const DECOY_SECRET = newWebhookSecret();

export interface SigningSecretView {
  id: string;
  created_at: string;
  expires_at: string | null;
}

export async function listSigningSecrets(q: Queryable, workspaceId: string): Promise<SigningSecretView[]> {
  const { rows } = await q.query<{ id: string; created_at: Date; expires_at: Date | null }>(
    `SELECT id, created_at, expires_at FROM webhook_signing_secrets
     WHERE workspace_id = $1::uuid AND (expires_at IS NULL OR expires_at > now()) ORDER BY created_at DESC`,
    [workspaceId],
  );
  return rows.map((r) => ({
    id: r.id,
    created_at: r.created_at.toISOString(),
    expires_at: r.expires_at?.toISOString() ?? null,
  }));
}

/**
 * A new current secret. The previous current one stays valid for `graceSeconds` (0 revokes it at once),
 * so senders can switch over without failed requests. Returns the secret: the only time it is shown.
 */
export async function rotateSigningSecret(
  q: Queryable,
  workspaceId: string,
  vault: CredentialVault,
  graceSeconds: number,
): Promise<SigningSecretView & { secret: string }> {
  await q.query(
    `UPDATE webhook_signing_secrets SET expires_at = now() + make_interval(secs => $2::int)
     WHERE workspace_id = $1::uuid AND (expires_at IS NULL OR expires_at > now() + make_interval(secs => $2::int))`,
    [workspaceId, graceSeconds],
  );
  await q.query(`DELETE FROM webhook_signing_secrets WHERE workspace_id = $1::uuid AND expires_at <= now()`, [
    workspaceId,
  ]);
  const secret = newWebhookSecret();
  const { rows } = await q.query<{ id: string; created_at: Date }>(
    `INSERT INTO webhook_signing_secrets (workspace_id, secret) VALUES ($1::uuid, $2::bytea) RETURNING id, created_at`,
    [workspaceId, vault.encrypt(secret)],
  );
  return { id: rows[0]!.id, created_at: rows[0]!.created_at.toISOString(), expires_at: null, secret };
}

export interface VerifiedRequest {
  workspaceId: string;
  /** Records a receipt key (the event id) and reports whether it was new: false = a repeat. */
  remember(tx: Queryable, key: string): Promise<boolean>;
}

async function remember(tx: Queryable, workspaceId: string, key: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO webhook_receipts (workspace_id, receipt_key) VALUES ($1::uuid, $2) ON CONFLICT DO NOTHING`,
    [workspaceId, key],
  );
  return rowCount > 0;
}

/**
 * Verifies a signed request and returns its workspace. `replayCheck` (for requests with effects)
 * refuses a signature seen before within the window.
 */
export async function verifySignedRequest(
  deps: { db: Db; vault: CredentialVault },
  rawWorkspaceId: string,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  opts: { replayCheck: boolean; requestLine: string; now?: number },
): Promise<VerifiedRequest> {
  const known = UUID.test(rawWorkspaceId);
  const workspaceId = known ? rawWorkspaceId.toLowerCase() : NIL_WORKSPACE;
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const given = header(SIGNATURE_HEADER) ?? '';
  const tsText = header(TIMESTAMP_HEADER) ?? '';
  const timestamp = /^\d{1,12}$/.test(tsText) ? Number(tsText) : Number.NaN;

  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  // The signature covers timestamp and body, so the same body sent to two endpoints in one second
  // signs alike: a replay is the same signature on the same method and path.
  const signatureKey = `sig:${createHash('sha256').update(`${opts.requestLine}\n${given}`).digest('hex')}`;
  // One transaction: the secrets, the comparison, and (when all holds) the replay receipt.
  const outcome = await withWorkspace(deps.db, workspaceId, async (tx) => {
    const { rows } = await tx.query<{ secret: Buffer }>(
      `SELECT secret FROM webhook_signing_secrets
       WHERE workspace_id = $1::uuid AND (expires_at IS NULL OR expires_at > now())`,
      [workspaceId],
    );
    const secrets = rows.map((r) => deps.vault.decrypt<string>(Buffer.from(r.secret)));
    let matched = false;
    for (const secret of secrets.length > 0 ? secrets : [DECOY_SECRET]) {
      const ok = signaturesEqual(signWebhook(secret, Number.isNaN(timestamp) ? 0 : timestamp, body), given);
      matched ||= ok && secrets.length > 0;
    }
    if (!matched) return 'invalid' as const;
    if (Math.abs(now - timestamp) > REPLAY_WINDOW_SECONDS) return 'stale' as const;
    if (!opts.replayCheck) return 'ok' as const;
    // Signatures older than the window cannot be replayed anyway (the timestamp check refuses them).
    await tx.query(
      `DELETE FROM webhook_receipts WHERE workspace_id = $1::uuid AND receipt_key LIKE 'sig:%'
         AND received_at < now() - make_interval(secs => $2::int)`,
      [workspaceId, REPLAY_WINDOW_SECONDS * 2],
    );
    return (await remember(tx, workspaceId, signatureKey)) ? ('ok' as const) : ('replayed' as const);
  });
  if (outcome === 'invalid') throw new InvalidSignatureError();
  if (outcome === 'stale')
    throw new InvalidSignatureError('stale webhook timestamp: more than five minutes from now');
  if (outcome === 'replayed')
    throw new ReplayedRequestError('this request was already received (replayed signature)');
  return { workspaceId, remember: (tx, key) => remember(tx, workspaceId, key) };
}
