/**
 * The embedded backend's queue: jobs in memory, run in this process. PGlite serves one process only, so
 * there is no second worker to coordinate with; jobs lost on restart are recovered by the scheduler tick
 * (queued sync_log rows are re-sent) and by cursors that resume a sync.
 */
import { randomUUID } from 'node:crypto';
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
      const everyMinutes = parseSimpleCron(cron);
      const t = setInterval(() => {
        if (!stopped) void this.send(name, data);
      }, everyMinutes * 60_000);
      t.unref();
      timers.add(t);
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

function parseSimpleCron(cron: string): number {
  const match = /^(\*|\*\/(\d{1,2}))\s+\*\s+\*\s+\*\s+\*$/.exec(cron.trim());
  if (!match)
    throw new Error(`the in-process queue supports only "* * * * *" or "*/N * * * *", got "${cron}"`);
  return match[2] ? Number(match[2]) : 1;
}
