/** Process wiring: open and migrate the database, build the app, listen, and shut down gracefully. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.ts';
import { createCredentialVault, loadEncryptionKey } from './connectors/credential-vault.ts';
import type { Db } from './db/db.ts';
import { migrate } from './db/migrate.ts';
import { openDb } from './db/open-db.ts';
import { startFileImport } from './connectors/file-import/file-import-jobs.ts';
import { localCliToken, publishEndpoint } from './cli/live-server.ts';
import { resolveAdminToken } from './http/admin-token.ts';
import { createApp } from './http/app.ts';
import type { AppDeps } from './http/deps.ts';
import { registerInsightWorker } from './insights/insight-runs.ts';
import { registerInsightsPostSyncStep } from './insights/insights-post-sync-step.ts';
import { openJobQueue } from './jobs/open-queue.ts';
import { createLogger, type Logger } from './logger.ts';
import { registerSkillRunWorker, registerSkillScheduler } from './skills/skill-dispatch.ts';
import { registerSyncWorkers } from './sync/sync-workers.ts';

export interface Running {
  url: string;
  deps: AppDeps;
  stop(): Promise<void>;
}

export async function buildDeps(
  config: Config,
  db: Db,
  log: Logger,
  opts: { ephemeral?: boolean } = {},
): Promise<AppDeps> {
  return {
    db,
    config,
    log,
    adminToken: resolveAdminToken(config, opts),
    vault: createCredentialVault(loadEncryptionKey(config, opts)),
  };
}

export function listen(deps: AppDeps, port: number, host: string): Promise<{ server: Server; url: string }> {
  const app = createApp(deps);
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => {
      if (err) return reject(err);
      const { port: actual } = server.address() as AddressInfo;
      resolve({ server, url: `http://${host}:${actual}` });
    });
    server.on('error', reject);
  });
}

export async function startServer(config: Config, log = createLogger(config.logLevel)): Promise<Running> {
  const db = await openDb(config);
  try {
    await migrate(db);
    const deps = await buildDeps(config, db, log);
    // The embedded backend allows one process: the CLI reaches this one over HTTP with a local token.
    const local = config.databaseUrl ? null : localCliToken();
    if (local) {
      const admin = deps.adminToken;
      deps.adminToken = { ...admin, verify: (c) => admin.verify(c) || local.matches(c) };
    }
    registerInsightsPostSyncStep(deps);
    const queue = openJobQueue(config, log);
    deps.queue = queue;
    await queue.start();
    if (config.runWorkers) {
      await registerSyncWorkers({ ...deps, queue });
      await registerSkillRunWorker(queue, deps);
      await registerSkillScheduler(queue, deps);
      await registerInsightWorker(queue, deps);
    }
    await startFileImport({ ...deps, queue });
    const { server, url } = await listen(deps, config.port, config.host);
    const unpublish = local ? publishEndpoint(config.dataDir, url, local.token) : () => {};
    let stopping: Promise<void> | undefined;
    const stop = () => {
      unpublish();
      // Stop accepting, let in-flight requests finish, then close the database.
      stopping ??= new Promise<void>((resolve) => server.close(() => resolve()))
        .then(() => queue.stop())
        .then(() => db.close())
        .catch((err) => log.error({ err }, 'error during shutdown'));
      server.closeIdleConnections();
      return stopping;
    };
    return { url, deps, stop };
  } catch (err) {
    await db.close();
    throw err;
  }
}
