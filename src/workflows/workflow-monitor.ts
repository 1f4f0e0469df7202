/**
 * The once-a-minute monitor pass: mirrors run status from the engine into workflow_runs. Runs Pandora
 * started are matched to the engine's runs in order (its webhook answer carries no run id, reference §4);
 * runs the engine started on its own (schedules, outside webhook calls) are added; open runs are read back
 * until terminal; runs with no result past the deadline are recorded as timed out.
 */
import type { JobQueue } from '../jobs/job-queue.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { type ApFlowRun, TERMINAL_RUN_STATUSES } from './activepieces-client.ts';
import { engineFor, type WorkflowDeps } from './workflow-service.ts';
import {
  type EngineRunState,
  insertEngineRun,
  knownEngineRunIds,
  openRuns,
  recordEngineRun,
  timeOutStuckRuns,
} from './workflow-runs.ts';
import { engineProjectId } from './workflow-store.ts';

// Engine and database clocks differ a little; look back this far before the oldest run we wait for.
const CLOCK_SLACK_MS = 60_000;

interface Provisioned {
  workspace_id: string;
  id: string;
  ap_flow_id: string;
  trigger_type: string;
  version: number;
  deployed_version: number | null;
  since: string;
}

function stateOf(run: ApFlowRun): EngineRunState {
  const terminal = TERMINAL_RUN_STATUSES.has(run.status);
  const failedStep = run.failedStep
    ? `${run.failedStep.displayName ?? run.failedStep.name}: ${run.failedStep.message ?? 'failed'}`
    : null;
  return {
    apRunId: run.id,
    status: run.status,
    steps: run.steps ?? null,
    error:
      run.status === 'SUCCEEDED' ? null : (failedStep ?? (terminal ? `the run ended ${run.status}` : null)),
    startedAt: run.startTime ?? null,
    finishedAt: terminal ? (run.finishTime ?? null) : null,
    terminal,
  };
}

export interface MonitorPass {
  workflows: number;
  updated: number;
  timedOut: number;
}

export async function monitorWorkflowRuns(deps: WorkflowDeps): Promise<MonitorPass> {
  const pass: MonitorPass = { workflows: 0, updated: 0, timedOut: 0 };
  const engine = engineFor(deps.config);
  // System read across workspaces (the owner role), then every write in the workspace's own scope.
  const { rows } = await deps.db.query<Provisioned>(
    /* sql */ `SELECT d.workspace_id, d.id, d.ap_flow_id, d.trigger_type, d.version, d.deployed_version,
       COALESCE(
         (SELECT min(r.created_at) FROM workflow_runs r
           WHERE r.workspace_id = d.workspace_id AND r.workflow_id = d.id AND r.finished_at IS NULL),
         (SELECT max(r.created_at) FROM workflow_runs r
           WHERE r.workspace_id = d.workspace_id AND r.workflow_id = d.id),
         d.updated_at)::text AS since
     FROM workflow_definitions d
     WHERE d.ap_flow_id IS NOT NULL AND (d.status = 'active' OR EXISTS (
       SELECT 1 FROM workflow_runs r WHERE r.workspace_id = d.workspace_id AND r.workflow_id = d.id AND r.finished_at IS NULL))`,
  );
  if (engine) {
    for (const wf of rows) {
      pass.workflows++;
      try {
        pass.updated += await mirrorWorkflow(deps, engine, wf);
      } catch (err) {
        deps.log.warn(
          { err, workspaceId: wf.workspace_id, workflowId: wf.id },
          'workflow run monitor failed',
        );
      }
    }
  }
  const { rows: open } = await deps.db.query<{ workspace_id: string }>(
    `SELECT DISTINCT workspace_id FROM workflow_runs WHERE finished_at IS NULL`,
  );
  for (const { workspace_id: ws } of open)
    pass.timedOut += await withWorkspace(deps.db, ws, (tx) =>
      timeOutStuckRuns(tx, ws, deps.config.workflowRunTimeoutSeconds),
    );
  return pass;
}

async function mirrorWorkflow(
  deps: WorkflowDeps,
  engine: NonNullable<ReturnType<typeof engineFor>>,
  wf: Provisioned,
): Promise<number> {
  const ws = wf.workspace_id;
  const projectId = await withWorkspace(deps.db, ws, (tx) => engineProjectId(tx, ws));
  if (!projectId) return 0;
  const since = new Date(new Date(wf.since).getTime() - CLOCK_SLACK_MS).toISOString();
  const engineRuns = (await engine.listFlowRuns(projectId, wf.ap_flow_id, since)).sort((a, b) =>
    a.created < b.created ? -1 : a.created > b.created ? 1 : 0,
  );
  let updated = 0;
  const known = await withWorkspace(deps.db, ws, (tx) =>
    knownEngineRunIds(
      tx,
      ws,
      wf.id,
      engineRuns.map((r) => r.id),
    ),
  );
  const waiting = (await withWorkspace(deps.db, ws, (tx) => openRuns(tx, ws, wf.id))).filter(
    (r) => !r.ap_run_id,
  );
  for (const run of engineRuns) {
    if (known.has(run.id)) continue;
    const claim = waiting.shift();
    // The list carries no steps: a run already over is read once in full.
    const state = stateOf(TERMINAL_RUN_STATUSES.has(run.status) ? await engine.getFlowRun(run.id) : run);
    await withWorkspace(deps.db, ws, (tx) =>
      claim
        ? recordEngineRun(tx, ws, claim.id, state)
        : insertEngineRun(
            tx,
            ws,
            {
              workflowId: wf.id,
              version: wf.deployed_version ?? wf.version,
              trigger: wf.trigger_type === 'schedule' ? 'schedule' : 'webhook',
            },
            state,
          ),
    );
    updated++;
  }
  // Open runs the engine knows: read each back in full (the list carries no steps).
  for (const run of await withWorkspace(deps.db, ws, (tx) => openRuns(tx, ws, wf.id))) {
    if (!run.ap_run_id) continue;
    const detail = await engine.getFlowRun(run.ap_run_id);
    if (detail.status === run.status && !TERMINAL_RUN_STATUSES.has(detail.status)) continue;
    await withWorkspace(deps.db, ws, (tx) => recordEngineRun(tx, ws, run.id, stateOf(detail)));
    updated++;
  }
  return updated;
}

export async function registerWorkflowMonitor(queue: JobQueue, deps: WorkflowDeps): Promise<void> {
  await queue.work('workflow-monitor-tick', async () => {
    const pass = await monitorWorkflowRuns(deps);
    if (pass.updated + pass.timedOut > 0) deps.log.info(pass, 'workflow runs mirrored');
  });
  await queue.schedule('workflow-monitor-tick', '* * * * *', {});
}
