/**
 * Enrichment runs, recorded in enrichment_runs with each step's outcome as it finishes. A batch is handed
 * to the 'enrichment-run' job when a queue is wired (any worker may run it), otherwise to the background
 * of this process; a single deal and the post-sync step run it in place. "Pending" deals are the closed,
 * live deals never enriched, or enriched under the other outcome (reopened and closed the other way).
 */
import { claimQueuedRun, updateRunRow } from '../jobs/run-rows.ts';
import type { Db, Queryable, SqlParam } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { CLOSED_DEAL_SQL, WON_DEAL_SQL } from './deal-context.ts';
import { runEnrichmentPipeline } from './enrichment-pipeline.ts';
import type { EnrichmentDeps, StepRecord } from './enrichment-steps.ts';

export type EnrichmentScope =
  | { kind: 'deal'; deal_id: string }
  | { kind: 'deals'; deal_ids: string[] }
  | { kind: 'pending' };

export type EnrichmentTrigger = 'api' | 'cli' | 'post_sync';

export interface EnrichmentRun {
  id: string;
  scope: EnrichmentScope;
  trigger: EnrichmentTrigger;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  steps: StepRecord[];
  totals: Record<string, unknown>;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const RUN_COLUMNS = 'id, scope, trigger, status, steps, totals, error, created_at, started_at, finished_at';

export async function getEnrichmentRun(
  q: Queryable,
  workspaceId: string,
  runId: string,
): Promise<EnrichmentRun> {
  const { rows } = await q.query<EnrichmentRun>(
    `SELECT ${RUN_COLUMNS} FROM enrichment_runs WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [workspaceId, runId],
  );
  if (!rows[0]) throw new NotFoundError(`enrichment run ${runId}`);
  return rows[0];
}

/** Closed, live deals not yet enriched for the outcome they closed with. */
export async function pendingDealIds(
  q: Queryable,
  workspaceId: string,
  among?: readonly string[],
  opts: { closedWithinDays?: number } = {},
): Promise<string[]> {
  // A deal with neither a close time nor a close date counts as recently closed.
  const { rows } = await q.query<{ id: string }>(
    /* sql */ `SELECT d.id FROM deals d
     LEFT JOIN deal_enrichments e ON e.workspace_id = d.workspace_id AND e.deal_id = d.id
     WHERE d.workspace_id = $1::uuid AND d.deleted_at IS NULL AND ${CLOSED_DEAL_SQL}
       AND ($2::uuid[] IS NULL OR d.id = ANY($2::uuid[]))
       AND (e.deal_id IS NULL OR e.outcome <> CASE WHEN ${WON_DEAL_SQL} THEN 'won' ELSE 'lost' END)
       AND ($3::int IS NULL
            OR coalesce(d.closed_at, d.close_date::timestamptz, now()) >= now() - make_interval(days => $3::int))
     ORDER BY d.id`,
    [workspaceId, among ?? null, opts.closedWithinDays ?? null],
  );
  return rows.map((r) => r.id);
}

/** A single deal must exist (404) and be closed (409); a list is checked at run time (open deals are skipped). */
async function checkScope(q: Queryable, workspaceId: string, scope: EnrichmentScope) {
  if (scope.kind !== 'deal') return;
  const { rows } = await q.query<{ closed: boolean }>(
    `SELECT ${CLOSED_DEAL_SQL} AS closed FROM deals d WHERE d.workspace_id = $1::uuid AND d.id = $2::uuid AND d.deleted_at IS NULL`,
    [workspaceId, scope.deal_id],
  );
  if (!rows[0]) throw new NotFoundError(`deal ${scope.deal_id}`);
  if (!rows[0].closed)
    throw new ConflictError('the deal is not closed won or lost: only closed deals are enriched');
}

export async function createEnrichmentRun(
  deps: Pick<EnrichmentDeps, 'db'>,
  workspaceId: string,
  scope: EnrichmentScope,
  trigger: EnrichmentTrigger,
): Promise<EnrichmentRun> {
  return withWorkspace(deps.db, workspaceId, async (tx) => {
    await checkScope(tx, workspaceId, scope);
    const { rows } = await tx.query<EnrichmentRun>(
      `INSERT INTO enrichment_runs (workspace_id, scope, trigger) VALUES ($1::uuid, $2::jsonb, $3) RETURNING ${RUN_COLUMNS}`,
      [workspaceId, JSON.stringify(scope), trigger],
    );
    return rows[0]!;
  });
}

const inFlight = new Set<Promise<unknown>>();

/** Records a queued run and hands it to the queue (or this process's background); returns at once. */
export async function startEnrichmentRun(
  deps: EnrichmentDeps & { queue?: JobQueue },
  workspaceId: string,
  scope: EnrichmentScope,
  trigger: EnrichmentTrigger,
): Promise<EnrichmentRun> {
  const run = await createEnrichmentRun(deps, workspaceId, scope, trigger);
  if (deps.queue) {
    await deps.queue.send('enrichment-run', { workspace_id: workspaceId, run_id: run.id });
  } else {
    const p = executeEnrichmentRun(deps, workspaceId, run.id)
      .catch((err) => deps.log.error({ err, runId: run.id }, 'enrichment run crashed'))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  return run;
}

/** Waits for in-process runs (tests, shutdown). */
export async function settleEnrichmentRuns(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}

const setRun = (deps: { db: Db }, workspaceId: string, runId: string, sets: string, params: SqlParam[]) =>
  updateRunRow(deps.db, 'enrichment_runs', workspaceId, runId, sets, params);

/** Runs a recorded run once: a run no longer queued (another worker took it) is left alone. */
export async function executeEnrichmentRun(
  deps: EnrichmentDeps,
  workspaceId: string,
  runId: string,
): Promise<EnrichmentRun> {
  const claimed = await claimQueuedRun<EnrichmentRun>(
    deps.db,
    'enrichment_runs',
    RUN_COLUMNS,
    workspaceId,
    runId,
  );
  if (claimed) {
    try {
      const scope = claimed.scope;
      const dealIds =
        scope.kind === 'deal'
          ? [scope.deal_id]
          : scope.kind === 'deals'
            ? scope.deal_ids
            : await withWorkspace(deps.db, workspaceId, (tx) => pendingDealIds(tx, workspaceId));
      const result = await runEnrichmentPipeline(deps, workspaceId, runId, dealIds, (steps) =>
        setRun(deps, workspaceId, runId, 'steps = $3::jsonb', [JSON.stringify(steps)]),
      );
      const failed = result.steps.filter((s) => s.status === 'failed');
      await setRun(
        deps,
        workspaceId,
        runId,
        `status = $3, finished_at = now(), totals = $4::jsonb, error = $5`,
        [
          failed.length ? 'failed' : 'succeeded',
          JSON.stringify(result.totals),
          failed.length ? failed.map((s) => `${s.step}: ${s.error ?? 'failed'}`).join('; ') : null,
        ],
      );
    } catch (err) {
      await setRun(deps, workspaceId, runId, `status = 'failed', finished_at = now(), error = $3`, [
        err instanceof Error ? err.message : String(err),
      ]);
    }
  }
  return withWorkspace(deps.db, workspaceId, (tx) => getEnrichmentRun(tx, workspaceId, runId));
}

export async function registerEnrichmentWorker(queue: JobQueue, deps: EnrichmentDeps): Promise<void> {
  await queue.work('enrichment-run', async (data) => {
    await executeEnrichmentRun(deps, data.workspace_id, data.run_id);
  });
}

export async function lastEnrichmentRun(q: Queryable, workspaceId: string): Promise<EnrichmentRun | null> {
  const { rows } = await q.query<EnrichmentRun>(
    `SELECT ${RUN_COLUMNS} FROM enrichment_runs WHERE workspace_id = $1::uuid ORDER BY created_at DESC, id LIMIT 1`,
    [workspaceId],
  );
  return rows[0] ?? null;
}
