/**
 * The embedded backend's queue: jobs in memory, run in this process. PGlite serves one process only, so
 * there is no second worker to coordinate with; jobs lost on restart are recovered by the scheduler tick
 * (queued sync_log rows are re-sent) and by cursors that resume a sync.
 */
import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import type { Logger } from '../logger.ts';
import { JOB_POLICIES, JOBS, type JobData, type JobName } from './job-names.ts';
import type { JobHandler, JobQueue, SendOptions } from './job-queue.ts';

interface Pending {
  id: string;
  name: JobName;
  data: unknown;
  attempt: number;
}

export function createInProcessQueue(log: Logger): JobQueue {
  const handlers = new Map<JobName, { handler: JobHandler<JobName>; concurrency: number; active: number }>();
  const queue: Pending[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const crons = new Set<Cron>();
  const running = new Set<Promise<void>>();
  let started = false;
  let stopped = false;
  let idleWaiters: Array<() => void> = [];

  function settleIdle() {
    if (queue.length === 0 && running.size === 0) {
      for (const w of idleWaiters) w();
      idleWaiters = [];
    }
  }

  function pump() {
    if (!started || stopped) return;
    for (let i = 0; i < queue.length; ) {
      const job = queue[i]!;
      const h = handlers.get(job.name);
      if (!h || h.active >= h.concurrency) {
        i++;
        continue;
      }
      queue.splice(i, 1);
      h.active++;
      const run = (async () => {
        try {
          const data = JOBS[job.name].parse(job.data) as JobData<JobName>;
          await h.handler(data, { id: job.id, name: job.name });
        } catch (err) {
          const limit = JOB_POLICIES[job.name].retryLimit;
          log.error({ err, job: job.name, jobId: job.id, attempt: job.attempt }, 'job failed');
          if (job.attempt < limit && !stopped) queue.push({ ...job, attempt: job.attempt + 1 });
        } finally {
          h.active--;
        }
      })();
      running.add(run);
      run.finally(() => {
        running.delete(run);
        pump();
        settleIdle();
      });
    }
    settleIdle();
  }

  return {
    kind: 'in-process',
    async start() {
      started = true;
      pump();
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const c of crons) c.stop();
      crons.clear();
      await Promise.allSettled([...running]);
    },
    async send(name, data, options: SendOptions = {}) {
      const parsed = JOBS[name].parse(data);
      const job: Pending = { id: randomUUID(), name, data: parsed, attempt: 0 };
      const delay = (options.startAfterSeconds ?? 0) * 1000;
      if (delay > 0) {
        const t = setTimeout(() => {
          timers.delete(t);
          queue.push(job);
          pump();
        }, delay);
        t.unref();
        timers.add(t);
      } else {
        queue.push(job);
        // Defer so a caller's transaction commits before the handler looks for its rows.
        setImmediate(pump);
      }
      return job.id;
    },
    async work(name, handler, options = {}) {
      handlers.set(name, {
        handler: handler as JobHandler<JobName>,
        concurrency: options.concurrency ?? 1,
        active: 0,
      });
      pump();
    },
    async schedule(name, cron, data) {
      JOBS[name].parse(data);
      // croner: any cron pattern, in UTC like pg-boss's schedules; `protect` skips a slot while the
      // previous one is still being sent. unref: a schedule alone does not keep the process alive.
      const job = new Cron(cron, { timezone: 'UTC', protect: true, unref: true }, () => {
        if (!stopped) void this.send(name, data);
      });
      crons.add(job);
    },
    idle(timeoutMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('job queue did not become idle')), timeoutMs);
        idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
        setImmediate(settleIdle);
      });
    },
  };
}
