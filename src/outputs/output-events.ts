/**
 * Where finished work goes out: a finished skill run is posted to Slack (when configured) and announced
 * to webhook endpoints; a finished sync is announced. Output failures are logged and recorded, never
 * thrown: they must not fail the run or the sync they report on. Both also start the workflows whose
 * trigger they match (src/workflows/workflow-trigger.ts).
 */
import type { SkillRun } from '../skills/skill-runs.ts';
import type { SkillResult } from '../skills/skill-types.ts';
import type { SyncLogRow } from '../sync/sync-log.ts';
import { postSkillRunToSlack } from './slack/slack-run-posts.ts';
import { findingEvents, syncEvent, triggerWorkflowsSafely } from '../workflows/workflow-trigger.ts';
import { type DeliveryDeps, publishWebhookEvent } from './webhooks/webhook-deliveries.ts';

export async function announceSkillRunFinished(
  deps: DeliveryDeps,
  workspaceId: string,
  run: SkillRun,
): Promise<void> {
  try {
    await postSkillRunToSlack(deps, workspaceId, run.id);
  } catch (err) {
    deps.log.warn({ err, workspaceId, runId: run.id }, 'slack post of a skill run failed');
  }
  const result = run.result as SkillResult | null;
  await publish(deps, workspaceId, 'skill_run.completed', {
    run_id: run.id,
    skill_id: run.skill_id,
    status: run.status,
    trigger: run.trigger,
    headline: result?.narrative?.headline ?? null,
    findings: result?.findings.length ?? 0,
    error: run.error,
    finished_at: run.finished_at,
  });
  await triggerWorkflowsSafely(deps, workspaceId, findingEvents(run));
}

export async function announceSyncFinished(
  deps: DeliveryDeps,
  workspaceId: string,
  sync: SyncLogRow,
): Promise<void> {
  await publish(deps, workspaceId, sync.status === 'succeeded' ? 'sync.completed' : 'sync.failed', {
    sync_log_id: sync.id,
    connector: sync.connector_name,
    status: sync.status,
    mode: sync.mode,
    trigger: sync.trigger,
    counts: sync.counts,
    error: sync.error,
    finished_at: sync.finished_at,
  });
  await triggerWorkflowsSafely(deps, workspaceId, [syncEvent(sync)]);
}

async function publish(
  deps: DeliveryDeps,
  workspaceId: string,
  type: Parameters<typeof publishWebhookEvent>[2],
  data: Record<string, unknown>,
) {
  try {
    await publishWebhookEvent(deps, workspaceId, type, data);
  } catch (err) {
    deps.log.warn({ err, workspaceId, type }, 'webhook event could not be recorded');
  }
}
