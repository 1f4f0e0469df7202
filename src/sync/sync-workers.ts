/** Registers the sync job handlers and the scheduler's once-a-minute tick on a queue. */
import type { SyncMode } from '../connectors/adapter.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { SyncTrigger } from './sync-log.ts';
import { runChainAndAnnounce, runSync, type SyncDeps } from './orchestrator.ts';
import { runSchedulerTick } from './scheduler.ts';
import { dueReconciliations, queueReconciliation, runReconciliation } from './association-reconciliation.ts';
import { requestSync } from './sync-requests.ts';
import { takeOverLostRuns } from './sync-takeover.ts';

export async function registerSyncWorkers(deps: SyncDeps & { queue: JobQueue }): Promise<void> {
  const { queue } = deps;
  // Handlers are idempotent: runSync claims queued → running once; post-sync steps change nothing twice.
  await queue.work(
    'connector-sync',
    async (data) => {
      await runSync(deps, data.workspace_id, data.sync_log_id);
    },
    { concurrency: 2 },
  );
  await queue.work('post-sync', async (data) => {
    await runChainAndAnnounce(deps, data.workspace_id, data.sync_log_id);
  });
  await queue.work('association-reconcile', async (data) => {
    await runReconciliation(deps, data.workspace_id, data.reconciliation_id);
  });
  await queue.work('sync-scheduler-tick', async () => {
    await runSchedulerTick({ db: deps.db, log: deps.log, queue, defaultSyncTime: deps.config.syncTime });
    await startDueReconciliations(deps);
  });
  await queue.schedule('sync-scheduler-tick', '* * * * *', {});
  startSyncWatchdog(deps);
}

/** The weekly association reconciliation of each CRM connection whose last pass is older than the period. */
async function startDueReconciliations(deps: SyncDeps & { queue: JobQueue }): Promise<void> {
  for (const due of await dueReconciliations(deps.db, deps.config.associationReconcileDays, new Date())) {
    try {
      const started = await queueReconciliation(deps, due.workspace_id, due.connector_name, 'scheduled');
      if (started.created)
        await deps.queue.send('association-reconcile', {
          workspace_id: due.workspace_id,
          reconciliation_id: started.row.id,
        });
    } catch (err) {
      deps.log.warn(
        { err, workspaceId: due.workspace_id, connector: due.connector_name },
        'scheduled reconciliation not started',
      );
    }
  }
}

/**
 * Every process with workers watches for lost runs a third of the stale threshold apart. The embedded
 * backend is one process holding the data folder: a run still running at start was lost with the last one.
 */
function startSyncWatchdog(deps: SyncDeps & { queue: JobQueue }): void {
  const { queue } = deps;
  const takeover = {
    db: deps.db,
    log: deps.log,
    queue,
    staleSeconds: deps.config.syncStaleSeconds,
    async resume(run: {
      workspace_id: string;
      connector_name: string;
      trigger: SyncTrigger;
      mode: SyncMode;
    }) {
      await requestSync(deps, run.workspace_id, run.connector_name, run.trigger, run.mode);
    },
    async rerunChain(run: { workspace_id: string; connector_name: string; id: string }) {
      await queue.send('post-sync', {
        workspace_id: run.workspace_id,
        connector_name: run.connector_name,
        sync_log_id: run.id,
      });
    },
  };
  const pass = (staleSeconds?: number) =>
    takeOverLostRuns(takeover, staleSeconds).catch((err) => deps.log.error({ err }, 'sync watchdog failed'));
  if (deps.db.kind === 'pglite') void pass(0);
  const timer = setInterval(() => void pass(), Math.max(1000, (deps.config.syncStaleSeconds * 1000) / 3));
  timer.unref();
  const stop = queue.stop.bind(queue);
  queue.stop = async () => {
    clearInterval(timer);
    await stop();
  };
}
