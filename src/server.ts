/** Process wiring: open and migrate the database, build the app, listen, and shut down gracefully. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.ts';
import { createCredentialVault, loadEncryptionKey } from './connectors/credential-vault.ts';
import type { Db } from './db/db.ts';
import { migrate } from './db/migrate.ts';
import { runTableMaintenance } from './db/table-maintenance.ts';
import { openDb } from './db/open-db.ts';
import { keepOnlyOptimisedWasmCode } from './db/pglite-driver.ts';
import { startFileImport } from './connectors/file-import/file-import-jobs.ts';
import { localCliToken, publishEndpoint } from './cli/live-server.ts';
import { resolveAdminToken } from './http/admin-token.ts';
import { createApp } from './http/app.ts';
import type { AppDeps } from './http/deps.ts';
import type { JobQueue } from './jobs/job-queue.ts';
import { registerInsightWorker } from './insights/insight-runs.ts';
import { registerInsightsPostSyncStep } from './insights/insights-post-sync-step.ts';
import { registerEnrichmentPostSyncStep } from './enrichment/enrichment-post-sync-step.ts';
import { registerEnrichmentWorker } from './enrichment/enrichment-runs.ts';
import { openJobQueue } from './jobs/open-queue.ts';
import { createLogger, type Logger } from './logger.ts';
import { registerSkillRunWorker, registerSkillScheduler } from './skills/skill-dispatch.ts';
import { registerSyncWorkers } from './sync/sync-workers.ts';
import { registerWebhookDeliveryWorker } from './outputs/webhooks/webhook-deliveries.ts';
import { registerWorkflowMonitor } from './workflows/workflow-monitor.ts';

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

/**
 * The background workers a server process runs: syncs, skill runs and schedules, deliveries, insights,
 * closed-deal enrichment, workflows.
 */
export async function registerServerWorkers(deps: AppDeps & { queue: JobQueue }): Promise<void> {
  const { queue } = deps;
  await registerSyncWorkers(deps);
  await registerSkillRunWorker(queue, deps);
  await registerSkillScheduler(queue, deps);
  await registerWebhookDeliveryWorker(queue, deps);
  await registerInsightWorker(queue, deps);
  await registerEnrichmentWorker(queue, deps);
  await registerWorkflowMonitor(queue, deps);
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
  if (!config.databaseUrl) keepOnlyOptimisedWasmCode();
  const db = await openDb(config, log);
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
    registerEnrichmentPostSyncStep(deps);
    await queue.start();
    if (config.runWorkers) await registerServerWorkers({ ...deps, queue });
    if (db.kind === 'pglite') await scheduleTableMaintenance(queue, db, log);
    await startFileImport({ ...deps, queue });
    const { server, url } = await listen(deps, config.port, config.host);
    const unpublish = local ? publishEndpoint(config.dataDir, url, local.token) : () => {};
    let stopping: Promise<void> | undefined;
    const stop = () => {
      unpublish();
      stopping ??= shutDown(server, queue, db).catch((err) => log.error({ err }, 'error during shutdown'));
      return stopping;
    };
    return { url, deps, stop };
  } catch (err) {
    await db.close();
    throw err;
  }
}

// PGlite has no autovacuum: this job is its maintenance. Every 5 minutes, and once at start for data
// written before (a pass over fresh tables is one catalog query).
const TABLE_MAINTENANCE_CRON = '*/5 * * * *';

async function scheduleTableMaintenance(queue: JobQueue, db: Db, log: Logger): Promise<void> {
  await queue.work('table-maintenance', async () => {
    const pass = await runTableMaintenance(db);
    if (pass.vacuumed.length + pass.analysed.length > 0) log.info(pass, 'table maintenance');
  });
  await queue.schedule('table-maintenance', TABLE_MAINTENANCE_CRON, {});
  await queue.send('table-maintenance', {});
}

// A stop under load finishes within a few seconds: in-flight requests and running jobs get this long,
// then open connections are cut (a client sees a closed socket, never half a body) and the database
// closes, rolling back whatever transaction a job still had open.
const SHUTDOWN_GRACE_MS = 3000;

async function shutDown(server: Server, queue: JobQueue, db: Db): Promise<void> {
  const deadline = Date.now() + SHUTDOWN_GRACE_MS;
  // Stop accepting; keep-alive connections between requests close now, busy ones after their response.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.prependListener('request', (_req, res) => {
    if (!res.headersSent) res.setHeader('connection', 'close');
  });
  server.closeIdleConnections();
  const untilDeadline = () =>
    new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())).unref());
  await Promise.race([closed, untilDeadline()]);
  server.closeAllConnections();
  await Promise.race([queue.stop(), untilDeadline()]);
  await db.close();
}
