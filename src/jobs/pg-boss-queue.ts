/**
 * The server backend's queue: pg-boss 10 on the shared Postgres (schema `pgboss`, none of whose tables
 * has a workspace_id column, so the tenant RLS rules do not apply to it). Any number of processes may
 * work the same queues; pg-boss hands each job to one of them, and a schedule fires once per slot.
 */
import PgBoss from 'pg-boss';
import type { Logger } from '../logger.ts';
import { JOB_NAMES, JOB_POLICIES, JOBS, type JobData, type JobName } from './job-names.ts';
import type { JobQueue } from './job-queue.ts';

export function createPgBossQueue(connectionString: string, log: Logger): JobQueue {
  const boss = new PgBoss({
    connectionString,
    schema: 'pgboss',
    max: 4,
    application_name: 'pandora-jobs',
  });
  boss.on('error', (err) => log.error({ err }, 'pg-boss error'));
  // This process's workers by queue: a job sent here wakes them instead of waiting for their next poll
  // (up to pollingIntervalSeconds, 2 s, after a confirmed import or a sync request). Other processes
  // still pick jobs up by polling.
  const localWorkers = new Map<string, string[]>();

  return {
    kind: 'pg-boss',
    async start() {
      await boss.start();
      for (const name of JOB_NAMES) {
        const existing = await boss.getQueue(name);
        const policy = JOB_POLICIES[name];
        if (!existing) await boss.createQueue(name, { name, ...policy });
      }
    },
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
    },
    async send(name, data, options = {}) {
      const parsed = JOBS[name].parse(data) as object;
      const id = await boss.send(name, parsed, {
        ...JOB_POLICIES[name],
        ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
      });
      if (!options.startAfterSeconds) for (const w of localWorkers.get(name) ?? []) boss.notifyWorker(w);
      return id;
    },
    async work(name, handler, options = {}) {
      // One poller per unit of concurrency, each fetching one job: a job is fetched only when a handler is
      // free to start it. A batch would hold its later jobs fetched but unstarted, and a process dying
      // then would strand them (their sync runs stay queued with no job left to run them).
      for (let i = 0; i < (options.concurrency ?? 1); i++) {
        const id = await boss.work<unknown>(
          name,
          { batchSize: 1, pollingIntervalSeconds: 2 },
          async ([job]) => {
            const data = JOBS[name].parse(job!.data) as JobData<typeof name>;
            await handler(data, { id: job!.id, name: name as JobName });
          },
        );
        localWorkers.set(name, [...(localWorkers.get(name) ?? []), id]);
      }
    },
    async schedule(name, cron, data) {
      await boss.schedule(name, cron, JOBS[name].parse(data) as object, { tz: 'UTC' });
    },
    async idle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        let pending = 0;
        for (const name of JOB_NAMES) pending += await boss.getQueueSize(name, { before: 'completed' });
        if (pending === 0) return;
        if (Date.now() > deadline) throw new Error('job queue did not become idle');
        await new Promise((r) => setTimeout(r, 200));
      }
    },
  };
}
