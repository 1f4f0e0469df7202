/**
 * Per-workspace API keys. Only a SHA-256 of a key is stored; the plaintext is shown once at creation.
 * A key reads `pdr_<key ref>_<secret>`: the public key ref is the key's id and its workspace's id
 * (base64url), so checking a key is one primary-key probe in its own workspace, and a key used on another
 * workspace is told apart from one that matches nothing. Keys issued before, `pdr_<secret>`, keep working.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
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

const uuidBytes = (id: string) => Buffer.from(id.replaceAll('-', ''), 'hex');
const uuidText = (b: Buffer) =>
  b.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

// pdr_ + 43 characters of key ref (32 bytes) + _ + 32 characters of secret (24 bytes).
const KEY_WITH_REF = /^pdr_([A-Za-z0-9_-]{43})_([A-Za-z0-9_-]{32})$/;
// Keys issued before key refs: pdr_ + 32 characters of secret.
const LEGACY_KEY = /^pdr_[A-Za-z0-9_-]{32}$/;

/** The key id and workspace id a key names, or null for a key of the old form or no key at all. */
export function parseKeyRef(plaintext: string): { keyId: string; workspaceId: string } | null {
  const m = KEY_WITH_REF.exec(plaintext);
  if (!m) return null;
  const ref = Buffer.from(m[1]!, 'base64url');
  return { keyId: uuidText(ref.subarray(0, 16)), workspaceId: uuidText(ref.subarray(16, 32)) };
}

export async function createApiKey(
  q: Queryable,
  workspaceId: string,
  input: { name?: string; scopes?: ApiKeyScope[] },
): Promise<{ apiKey: ApiKey; plaintext: string }> {
  const id = randomUUID();
  const ref = Buffer.concat([uuidBytes(id), uuidBytes(workspaceId)]).toString('base64url');
  const plaintext = `pdr_${ref}_${randomBytes(24).toString('base64url')}`;
  const { rows } = await q.query<ApiKeyRow>(
    /* sql */ `INSERT INTO api_keys (workspace_id, id, name, key_prefix, key_hash, scopes)
     VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::text[])
     RETURNING ${COLUMNS}`,
    [
      workspaceId,
      id,
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

export type KeyCheck =
  | { status: 'live'; key: ApiKey }
  | { status: 'revoked' }
  /** Malformed, or no key has this plaintext. */
  | { status: 'unknown' };

/**
 * The key matching `where` (over $1 workspace id, $2 key id, $3 hash), live ones first; a live one gets
 * last_used_at in the same statement, at most once a minute so a busy key does not write per request.
 */
async function findKey(q: Queryable, where: string, params: [string | null, string | null, Buffer]) {
  const { rows } = await q.query<ApiKeyRow>(
    /* sql */ `WITH found AS (
       SELECT ${COLUMNS} FROM api_keys WHERE ${where} ORDER BY revoked_at NULLS FIRST LIMIT 1
     ), touched AS (
       UPDATE api_keys k SET last_used_at = now()
       FROM found f
       WHERE k.workspace_id = f.workspace_id AND k.id = f.id AND f.revoked_at IS NULL
         AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute')
     )
     SELECT * FROM found`,
    params,
  );
  return rows[0];
}

/**
 * Finds the key a bearer token is, in whichever workspace it belongs to. A key with a ref costs one
 * primary-key probe; an old-form key is looked up in `hintWorkspaceId` (the workspace in the path) by its
 * unique hash and, only when absent there, among all keys, so it too can be told apart from garbage.
 */
export async function checkApiKey(
  q: Queryable,
  plaintext: string,
  hintWorkspaceId?: string,
): Promise<KeyCheck> {
  const hash = hashApiKey(plaintext);
  let row: ApiKeyRow | undefined;
  const ref = parseKeyRef(plaintext);
  if (ref) {
    row = await findKey(q, 'workspace_id = $1::uuid AND id = $2::uuid AND key_hash = $3', [
      ref.workspaceId,
      ref.keyId,
      hash,
    ]);
  } else if (LEGACY_KEY.test(plaintext)) {
    if (hintWorkspaceId)
      row = await findKey(q, 'workspace_id = $1::uuid AND key_hash = $3 AND $2::uuid IS NULL', [
        hintWorkspaceId,
        null,
        hash,
      ]);
    // Not in the path's workspace: old keys carry no ref, so only a scan of the (small) key table can say
    // whether this is another workspace's key (404) or no key at all (401).
    row ??= await findKey(q, 'key_hash = $3 AND $1::uuid IS NULL AND $2::uuid IS NULL', [null, null, hash]);
  }
  if (!row) return { status: 'unknown' };
  if (row.revoked_at) return { status: 'revoked' };
  return { status: 'live', key: toApiKey(row) };
}
