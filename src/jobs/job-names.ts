/** Every background job: its name and the zod schema of its payload. Handlers parse before they act. */
import { z } from 'zod';

const uuid = z.string().uuid();

export const JOBS = {
  /** Run (or resume) the sync a sync_log row describes. */
  'connector-sync': z.object({ workspace_id: uuid, connector_name: z.string().min(1), sync_log_id: uuid }),
  /** The post-sync chain after a sync committed. */
  'post-sync': z.object({ workspace_id: uuid, connector_name: z.string().min(1), sync_log_id: uuid }),
  /** Run an association reconciliation pass (src/sync/association-reconciliation.ts). */
  'association-reconcile': z.object({ workspace_id: uuid, reconciliation_id: uuid }),
  /** Once a minute: start the daily scheduled syncs that are due. */
  'sync-scheduler-tick': z.object({}),
  /** Once a minute: record and dispatch the skill runs whose schedule is due (src/skills/skill-schedules.ts). */
  'skill-schedule-tick': z.object({}),
  /** Execute a queued skill run (src/skills). */
  'skill-run': z.object({ workspace_id: uuid, skill_run_id: uuid }),
  /** One attempt at delivering an event to a registered webhook endpoint (src/outputs/webhooks). */
  'webhook-delivery': z.object({ workspace_id: uuid, delivery_id: uuid }),
  /** Once a minute: attempt pending webhook deliveries whose scheduled attempt was lost. */
  'webhook-delivery-sweep': z.object({}),
  /** Embedded backend only: VACUUM/ANALYZE the tables that need it (src/db/table-maintenance.ts). */
  'table-maintenance': z.object({}),
  /** Apply a confirmed file import batch (one transaction). */
  'file-import-apply': z.object({ workspace_id: uuid, batch_id: uuid }),
  /** Extract deal insights for a recorded insight run (src/insights). */
  'insights-extract': z.object({ workspace_id: uuid, run_id: uuid }),
  /** Execute a recorded enrichment run over closed deals (src/enrichment). */
  'enrichment-run': z.object({ workspace_id: uuid, run_id: uuid }),
  /** Once a minute: mirror workflow run status from the workflow engine (src/workflows). */
  'workflow-monitor-tick': z.object({}),
} as const;

export type JobName = keyof typeof JOBS;
export type JobData<N extends JobName> = z.infer<(typeof JOBS)[N]>;
export const JOB_NAMES = Object.keys(JOBS) as JobName[];

/** Per-queue retry policy: syncs resume from their cursor on the next trigger, so pg-boss does not retry them. */
export const JOB_POLICIES: Readonly<Record<JobName, { retryLimit: number; expireInSeconds: number }>> = {
  'connector-sync': { retryLimit: 0, expireInSeconds: 6 * 3600 },
  'post-sync': { retryLimit: 2, expireInSeconds: 3600 },
  // A lost pass is failed by its stale heartbeat and the next request or weekly slot starts a new one.
  'association-reconcile': { retryLimit: 0, expireInSeconds: 6 * 3600 },
  'sync-scheduler-tick': { retryLimit: 0, expireInSeconds: 300 },
  'skill-schedule-tick': { retryLimit: 0, expireInSeconds: 300 },
  'skill-run': { retryLimit: 0, expireInSeconds: 3600 },
  'file-import-apply': { retryLimit: 0, expireInSeconds: 6 * 3600 },
  // A delivery schedules its own retries with backoff; a lost job is found by the sweep.
  'webhook-delivery': { retryLimit: 0, expireInSeconds: 300 },
  'webhook-delivery-sweep': { retryLimit: 0, expireInSeconds: 300 },
  'table-maintenance': { retryLimit: 0, expireInSeconds: 3600 },
  'insights-extract': { retryLimit: 0, expireInSeconds: 6 * 3600 },
  'workflow-monitor-tick': { retryLimit: 0, expireInSeconds: 300 },
  'enrichment-run': { retryLimit: 0, expireInSeconds: 6 * 3600 },
};
