/**
 * Where finished work goes out: a finished skill run is posted to Slack (when configured) and announced
 * to webhook endpoints; an extraction run that wrote insights posts the deal-insights digest and is
 * announced; a finished sync is announced. Output failures are logged and recorded, never thrown: they
 * must not fail the run or the sync they report on. Skill runs and syncs also start the workflows whose
 * trigger they match (src/workflows/workflow-trigger.ts).
 */
import type { SkillRun } from '../skills/skill-runs.ts';
import type { SkillResult } from '../skills/skill-types.ts';
import type { SyncLogRow } from '../sync/sync-log.ts';
import { postInsightsDigest } from './slack/insights-digest.ts';
import type { SlackPostOutcome } from './slack/slack-posting.ts';
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

/** What an extraction run wrote, as announceInsightsWritten needs it. */
export interface InsightsWritten {
  run_id: string;
  trigger: string;
  /** When the run started: the digest holds the current insights written since. */
  since: Date;
  insights_written: number;
  conversations_extracted: number;
  extractor: string;
}

/**
 * An extraction run wrote insights: the digest of what it wrote goes to Slack when the workspace posts
 * it automatically, and `insights.written` goes to webhook endpoints. Returns the Slack outcome for the
 * run to record (null when nothing was posted).
 */
export async function announceInsightsWritten(
  deps: DeliveryDeps,
  workspaceId: string,
  written: InsightsWritten,
): Promise<SlackPostOutcome | null> {
  let outcome: SlackPostOutcome | null = null;
  try {
    outcome = await postInsightsDigest(deps, workspaceId, written.since);
  } catch (err) {
    deps.log.warn({ err, workspaceId, runId: written.run_id }, 'slack post of the insights digest failed');
    outcome = { status: 'failed', reason: (err as Error).message, at: new Date().toISOString() };
  }
  await publish(deps, workspaceId, 'insights.written', {
    run_id: written.run_id,
    trigger: written.trigger,
    since: written.since.toISOString(),
    insights_written: written.insights_written,
    conversations_extracted: written.conversations_extracted,
    extractor: written.extractor,
  });
  return outcome;
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
