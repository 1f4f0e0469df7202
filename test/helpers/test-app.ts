/** The real HTTP app on a loopback port over a fresh test database, with a tiny JSON client. */
import { loadConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/db.ts';
import type { AppDeps } from '../../src/http/deps.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { buildDeps, listen } from '../../src/server.ts';
import { createTestDb } from './test-db.ts';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestApp {
  url: string;
  db: Db;
  deps: AppDeps;
  adminToken: string;
  request<T = any>(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; raw?: string },
  ): Promise<ApiResponse<T>>;
  /** Creates a workspace and a read/write key for it through the API. */
  createWorkspace(name?: string): Promise<{ id: string; key: string }>;
  close(): Promise<void>;
}

export async function startTestApp(
  env: Record<string, string> = {},
  opts: { log?: Logger } = {},
): Promise<TestApp> {
  const t = await createTestDb();
  const config = loadConfig({ LOG_LEVEL: 'silent', ...env });
  const deps = await buildDeps(config, t.db, opts.log ?? createLogger('silent'), {
    ephemeral: true,
  });
  const { server, url } = await listen(deps, 0, '127.0.0.1');
  // Client and server share this process, whose event loop the embedded database blocks at times: a
  // server that closes an idle connection when its timer fires after such a block would race the
  // client's next request on it. Idle connections are left for the client to close.
  server.keepAliveTimeout = 0;
  const adminToken = deps.adminToken.generated!;

  async function request<T>(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; raw?: string } = {},
  ) {
    const headers: Record<string, string> = {};
    const token = opts.token === undefined ? adminToken : opts.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (opts.raw !== undefined) {
      body = opts.raw;
      headers['content-type'] = 'application/json';
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // non-JSON bodies (HTML docs) stay text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  return {
    url,
    db: t.db,
    deps,
    adminToken,
    request,
    async createWorkspace(name = 'Test workspace') {
      const ws = await request<{ id: string }>('POST', '/api/workspaces', { body: { name } });
      if (ws.status !== 201)
        throw new Error(`workspace create failed: ${ws.status} ${JSON.stringify(ws.body)}`);
      const key = await request<{ key: string }>('POST', `/api/workspaces/${ws.body.id}/api-keys`, {
        body: { name: 'test' },
      });
      if (key.status !== 201) throw new Error(`key create failed: ${key.status}`);
      return { id: ws.body.id, key: key.body.key };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await t.close();
    },
  };
}
