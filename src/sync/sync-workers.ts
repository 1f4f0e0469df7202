/** Registers the sync job handlers and the scheduler's once-a-minute tick on a queue. */
import type { JobQueue } from '../jobs/job-queue.ts';
import { runSync, type SyncDeps } from './orchestrator.ts';
import { runPostSyncChain } from './post-sync-chain.ts';
import { runSchedulerTick } from './scheduler.ts';

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
    await runPostSyncChain({
      db: deps.db,
      log: deps.log,
      workspaceId: data.workspace_id,
      syncLogId: data.sync_log_id,
    });
  });
  await queue.work('sync-scheduler-tick', async () => {
    await runSchedulerTick({ db: deps.db, log: deps.log, queue, defaultSyncTime: deps.config.syncTime });
  });
  await queue.schedule('sync-scheduler-tick', '* * * * *', {});
}
