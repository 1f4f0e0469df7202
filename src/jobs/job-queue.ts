/**
 * The job queue port. Server backend: pg-boss on the shared Postgres (many workers, none double-runs a
 * job, cron via pg-boss schedules). Embedded backend: an in-process queue with the same interface.
 */
import type { JobData, JobName } from './job-names.ts';

export interface SendOptions {
  /** Run no earlier than this many seconds from now. */
  startAfterSeconds?: number;
}

export interface JobMeta {
  id: string;
  name: JobName;
}

export type JobHandler<N extends JobName> = (data: JobData<N>, meta: JobMeta) => Promise<void>;

export interface JobQueue {
  readonly kind: 'pg-boss' | 'in-process';
  start(): Promise<void>;
  /** Stops taking jobs and waits for the running ones. */
  stop(): Promise<void>;
  /** Validates `data` against the job's schema; returns the job id. */
  send<N extends JobName>(name: N, data: JobData<N>, options?: SendOptions): Promise<string | null>;
  /** Registers the handler; the payload is parsed with the job's schema before it runs. */
  work<N extends JobName>(name: N, handler: JobHandler<N>, options?: { concurrency?: number }): Promise<void>;
  /** A recurring job on a cron pattern in UTC (pg-boss schedules; croner in-process). */
  schedule<N extends JobName>(name: N, cron: string, data: JobData<N>): Promise<void>;
  /** Resolves once nothing is queued or running (in-process; pg-boss polls its queue sizes). */
  idle(timeoutMs?: number): Promise<void>;
}
