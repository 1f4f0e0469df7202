/**
 * Events start workflows: a skill run's findings and a finished sync are matched against the active
 * workflows whose trigger they fit, and each match is started through its flow's webhook trigger, once
 * per event (a unique event key per workflow). Failures are recorded on the run and never thrown: they
 * must not fail the skill run or sync that announced the event.
 */
import { withWorkspace } from '../db/tenant-scope.ts';
import type { SkillRun } from '../skills/skill-runs.ts';
import type { SkillResult } from '../skills/skill-types.ts';
import type { SyncLogRow } from '../sync/sync-log.ts';
import { engineFor, type WorkflowDeps } from './workflow-service.ts';
import { insertRun, markRunFailed } from './workflow-runs.ts';
import { activeWorkflowsFor, type WorkflowRow } from './workflow-store.ts';
import { SEVERITIES, type WorkflowTrigger } from './workflow-tree.ts';

interface WorkflowEvent {
  /** Unique per event; a second announcement of the same event starts nothing. */
  key: string;
  triggerType: 'skill_finding' | 'sync_event';
  data: Record<string, unknown>;
  matches(trigger: WorkflowTrigger): boolean;
}

const rank = (s: string) => SEVERITIES.indexOf(s as (typeof SEVERITIES)[number]);

export function findingEvents(run: SkillRun): WorkflowEvent[] {
  const result = run.result as SkillResult | null;
  if (run.status !== 'succeeded' || !result) return [];
  return result.findings.map((f, i) => ({
    key: `skill_run:${run.id}:${i}`,
    triggerType: 'skill_finding' as const,
    data: {
      event_id: `${run.id}:${i}`,
      skill_id: run.skill_id,
      run_id: run.id,
      kind: f.kind,
      severity: f.severity,
      title: f.title,
      deal_ids: f.evidence.deals ?? [],
      account_ids: f.evidence.accounts ?? [],
      metrics: f.metrics ?? {},
    },
    matches: (t) =>
      t.type === 'skill_finding' &&
      (!t.skill_id || t.skill_id === run.skill_id) &&
      (!t.min_severity || rank(f.severity) <= rank(t.min_severity)),
  }));
}

export function syncEvent(sync: SyncLogRow): WorkflowEvent {
  const event = sync.status === 'succeeded' ? 'sync.completed' : 'sync.failed';
  return {
    key: `sync:${sync.id}`,
    triggerType: 'sync_event',
    data: {
      event_id: sync.id,
      event,
      connector: sync.connector_name,
      status: sync.status,
      sync_log_id: sync.id,
      mode: sync.mode,
      error: sync.error,
      counts: sync.counts,
      finished_at: sync.finished_at,
    },
    matches: (t) =>
      t.type === 'sync_event' && t.event === event && (!t.connector || t.connector === sync.connector_name),
  };
}

/** Starts every matching active workflow; returns how many runs were started. */
export async function startWorkflowsForEvents(
  deps: WorkflowDeps,
  ws: string,
  events: readonly WorkflowEvent[],
): Promise<number> {
  const engine = engineFor(deps.config);
  if (!engine || events.length === 0) return 0;
  let started = 0;
  const byType = new Map<string, WorkflowRow[]>();
  for (const event of events) {
    let workflows = byType.get(event.triggerType);
    if (!workflows) {
      workflows = await withWorkspace(deps.db, ws, (tx) => activeWorkflowsFor(tx, ws, event.triggerType));
      byType.set(event.triggerType, workflows);
    }
    for (const wf of workflows) {
      if (!event.matches(wf.tree.trigger)) continue;
      const run = await withWorkspace(deps.db, ws, (tx) =>
        insertRun(tx, ws, {
          workflowId: wf.id,
          version: wf.deployed_version ?? wf.version,
          trigger: 'event',
          eventKey: event.key,
        }),
      );
      if (!run) continue; // this event already started this workflow
      try {
        await engine.triggerWebhook(wf.ap_flow_id!, event.data);
        started++;
      } catch (err) {
        deps.log.warn({ err, workspaceId: ws, workflowId: wf.id }, 'workflow trigger failed');
        await withWorkspace(deps.db, ws, (tx) => markRunFailed(tx, ws, run.id, (err as Error).message));
      }
    }
  }
  return started;
}

/** The hook output-events calls; never throws. */
export async function triggerWorkflowsSafely(
  deps: WorkflowDeps,
  ws: string,
  events: readonly WorkflowEvent[],
) {
  try {
    await startWorkflowsForEvents(deps, ws, events);
  } catch (err) {
    deps.log.warn({ err, workspaceId: ws }, 'workflow triggers could not be started');
  }
}
