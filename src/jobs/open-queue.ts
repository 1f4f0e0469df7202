/** Chooses the queue for the backend: pg-boss with DATABASE_URL, in-process on the embedded database. */
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createInProcessQueue } from './in-process-queue.ts';
import type { JobQueue } from './job-queue.ts';
import { createPgBossQueue } from './pg-boss-queue.ts';

export function openJobQueue(config: Pick<Config, 'databaseUrl'>, log: Logger): JobQueue {
  return config.databaseUrl ? createPgBossQueue(config.databaseUrl, log) : createInProcessQueue(log);
}
