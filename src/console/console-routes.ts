/**
 * The web console: static files under /console (plain ES modules and CSS, committed, no build step) and
 * `GET /api/session`, which tells the console which workspace a pasted API key belongs to. The key stays
 * in the browser's session storage and is sent as a bearer token like any other client's.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Request, type Response, Router } from 'express';
import { withWorkspace } from '../db/tenant-scope.ts';
import { AuthError, InvalidApiKeyError, NotFoundError, ValidationError } from '../errors.ts';
import type { AppDeps } from '../http/deps.ts';
import { checkApiKey } from '../workspaces/api-keys.ts';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

// Everything the console loads comes from this origin: no CDN, no inline script.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

async function sendPublicFile(res: Response, relative: string): Promise<void> {
  const path = normalize(join(PUBLIC_DIR, relative));
  const type = CONTENT_TYPES[extname(path)];
  if (!path.startsWith(PUBLIC_DIR) || !type) throw new NotFoundError(`console file ${relative}`);
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch {
    throw new NotFoundError(`console file ${relative}`);
  }
  res.set({
    'content-type': type,
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // Small files that change with the code: revalidate rather than risk a stale module graph.
    'cache-control': 'no-cache',
  });
  res.send(body);
}

export function consoleRoutes(deps: AppDeps): Router {
  const r = Router();
  // Non-strict routing: '/console' also answers '/console/'; the page links its assets absolutely.
  r.get('/console', async (_req, res) => sendPublicFile(res, 'index.html'));
  r.get('/console/*path', async (req: Request, res) => {
    const parts = (req.params as { path: string[] }).path;
    await sendPublicFile(res, parts.join('/'));
  });

  r.get('/api/session', async (req, res) => {
    const match = req.get('authorization')?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match) throw new AuthError('send an Authorization: Bearer <workspace API key> header');
    const token = match[1]!;
    if (deps.adminToken.verify(token))
      throw new ValidationError('this is the admin token; sign in with a workspace API key');
    const check = await checkApiKey(deps.db, token);
    if (check.status === 'revoked') throw new InvalidApiKeyError('this API key was revoked');
    if (check.status === 'unknown') throw new InvalidApiKeyError('the API key matches no live key');
    const { key } = check;
    const workspace = await withWorkspace(deps.db, key.workspace_id, async (tx) => {
      const { rows } = await tx.query<{ id: string; name: string }>(
        'SELECT id, name FROM workspaces WHERE id = $1::uuid',
        [key.workspace_id],
      );
      return rows[0];
    });
    if (!workspace) throw new NotFoundError('workspace');
    res.json({ workspace, key: { id: key.id, name: key.name, scopes: key.scopes } });
  });
  return r;
}
