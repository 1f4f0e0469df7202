/** An API server on a fresh test database with the in-process job queue and sync workers running. */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { loadConfig } from '../../src/config.ts';
import { startFileImport } from '../../src/connectors/file-import/file-import-jobs.ts';
import type { AppDeps } from '../../src/http/deps.ts';
import { createInProcessQueue } from '../../src/jobs/in-process-queue.ts';
import { createPgBossQueue } from '../../src/jobs/pg-boss-queue.ts';
import type { JobQueue } from '../../src/jobs/job-queue.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { buildDeps, listen, registerServerWorkers } from '../../src/server.ts';
import { registerSyncWorkers } from '../../src/sync/sync-workers.ts';
import { createTestDb, type TestDb } from './test-db.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface ConnectorApp {
  t: TestDb;
  deps: AppDeps & { queue: JobQueue };
  url: string;
  workspaceId: string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; text: string }>;
  /**
   * Starts a sync through the API, waits for the queue to drain and returns the run's sync log;
   * asserts it succeeded unless `expectSuccess` is false.
   */
  syncNow(
    connector: string,
    body?: Record<string, unknown>,
    opts?: { expectSuccess?: boolean },
  ): Promise<any>;
  close(): Promise<void>;
}

export async function startConnectorApp(
  env: Record<string, string> = {},
  /** `workers: 'all'` runs every worker the server runs (skill runs, imports, …), not only syncs. */
  opts: { queue?: 'in-process' | 'pg-boss'; log?: Logger; workers?: 'sync' | 'all' } = {},
): Promise<ConnectorApp> {
  const t = await createTestDb();
  const config = loadConfig({ PANDORA_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'silent', ...env });
  const log = opts.log ?? createLogger('silent');
  const base = await buildDeps(config, t.db, log, { ephemeral: true });
  const queue = opts.queue === 'pg-boss' && t.url ? createPgBossQueue(t.url, log) : createInProcessQueue(log);
  const deps = { ...base, queue };
  await queue.start();
  let stopImportCleanup = () => {};
  if (opts.workers === 'all') {
    await registerServerWorkers(deps);
    stopImportCleanup = await startFileImport(deps);
  } else {
    await registerSyncWorkers(deps);
  }
  const { server, url } = (await listen(deps, 0, '127.0.0.1')) as { server: Server; url: string };
  // Client and server share this process, whose event loop the embedded database blocks at times: a
  // server that closes an idle connection when its timer fires after such a block would race the
  // client's next request on it. Idle connections are left for the client to close.
  server.keepAliveTimeout = 0;
  const ws = await t.db.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('Acme') RETURNING id`);
  const workspaceId = ws.rows[0]!.id;
  const app: ConnectorApp = {
    t,
    deps,
    url,
    workspaceId,
    async api(method, path, body) {
      const res = await fetch(`${url}/api/workspaces/${workspaceId}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
    },
    async syncNow(connector, body = {}, { expectSuccess = true } = {}) {
      const res = await app.api('POST', `/connectors/${connector}/sync`, body);
      assert.equal(res.status, 202, res.text);
      await queue.idle();
      const log = (await app.api('GET', `/sync-log/${res.body.sync_log_id}`)).body;
      if (expectSuccess) assert.equal(log.status, 'succeeded', log.error);
      return log;
    },
    async close() {
      stopImportCleanup();
      await queue.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await t.close();
    },
  };
  return app;
}
