/**
 * Per-workspace API keys. Only a SHA-256 of a key is stored; the plaintext is shown once at creation.
 * Keys are looked up by (workspace_id, hash), so a key of workspace A simply does not exist in B.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/db.ts';
import { NotFoundError } from '../errors.ts';

export const API_KEY_SCOPES = ['read', 'write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

interface ApiKeyRow {
  id: string;
  workspace_id: string;
  name: string;
  key_prefix: string;
  scopes: ApiKeyScope[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface ApiKey {
  id: string;
  workspace_id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

function toApiKey(r: ApiKeyRow): ApiKey {
  return {
    id: r.id,
    workspace_id: r.workspace_id,
    name: r.name,
    prefix: r.key_prefix,
    scopes: r.scopes,
    created_at: r.created_at.toISOString(),
    last_used_at: r.last_used_at?.toISOString() ?? null,
    revoked_at: r.revoked_at?.toISOString() ?? null,
  };
}

const COLUMNS = 'id, workspace_id, name, key_prefix, scopes, created_at, last_used_at, revoked_at';

export function hashApiKey(plaintext: string): Buffer {
  return createHash('sha256').update(plaintext).digest();
}

export async function createApiKey(
  q: Queryable,
  workspaceId: string,
  input: { name?: string; scopes?: ApiKeyScope[] },
): Promise<{ apiKey: ApiKey; plaintext: string }> {
  const plaintext = `pdr_${randomBytes(24).toString('base64url')}`;
  const { rows } = await q.query<ApiKeyRow>(
    /* sql */ `INSERT INTO api_keys (workspace_id, name, key_prefix, key_hash, scopes)
     VALUES ($1::uuid, $2, $3, $4, $5::text[])
     RETURNING ${COLUMNS}`,
    [
      workspaceId,
      input.name ?? '',
      plaintext.slice(0, 12),
      hashApiKey(plaintext),
      input.scopes ?? ['read', 'write'],
    ],
  );
  return { apiKey: toApiKey(rows[0]!), plaintext };
}

export async function listApiKeys(q: Queryable, workspaceId: string): Promise<ApiKey[]> {
  const { rows } = await q.query<ApiKeyRow>(
    `SELECT ${COLUMNS} FROM api_keys WHERE workspace_id = $1::uuid ORDER BY created_at, id`,
    [workspaceId],
  );
  return rows.map(toApiKey);
}

export async function revokeApiKey(q: Queryable, workspaceId: string, keyId: string): Promise<ApiKey> {
  const { rows } = await q.query<ApiKeyRow>(
    /* sql */ `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
     WHERE workspace_id = $1::uuid AND id = $2::uuid
     RETURNING ${COLUMNS}`,
    [workspaceId, keyId],
  );
  if (!rows[0]) throw new NotFoundError('API key');
  return toApiKey(rows[0]);
}

/** The live key of this workspace with this plaintext, or null. Records when it was last used. */
export async function verifyApiKey(
  q: Queryable,
  workspaceId: string,
  plaintext: string,
): Promise<ApiKey | null> {
  // last_used_at is written at most once a minute per key: no write per request on a busy key.
  const { rows } = await q.query<ApiKeyRow>(
    /* sql */ `WITH found AS (
       SELECT ${COLUMNS} FROM api_keys
       WHERE workspace_id = $1::uuid AND key_hash = $2 AND revoked_at IS NULL
     ), touched AS (
       UPDATE api_keys k SET last_used_at = now()
       FROM found f
       WHERE k.workspace_id = f.workspace_id AND k.id = f.id
         AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute')
     )
     SELECT * FROM found`,
    [workspaceId, hashApiKey(plaintext)],
  );
  return rows[0] ? toApiKey(rows[0]) : null;
}
