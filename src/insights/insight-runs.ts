/**
 * Extraction runs: recorded in insight_runs, executed through the 'insights-extract' job when a queue is
 * wired (any worker may run it), otherwise in the background of this process. A run that wrote insights
 * is announced (the Slack digest, a webhook event) and what Slack said is kept on the run. The status
 * report counts what is extracted, pending and failed, with the last run and the tokens spent.
 */
import { claimQueuedRun, updateRunRow } from '../jobs/run-rows.ts';
import { connectionContexts } from '../conversations/connection-context.ts';
import type { Db, Queryable, SqlParam } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { NotFoundError } from '../errors.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { announceInsightsWritten } from '../outputs/output-events.ts';
import type { ExtractorIdentity } from './insight-types.ts';
import {
  type ExtractScope,
  type ExtractTotals,
  extractInsights,
  type InsightDeps,
  pendingConversationIds,
} from './extract-insights.ts';

export type InsightRunTrigger = 'api' | 'cli' | 'post_sync';

export interface InsightRun {
  id: string;
  scope: ExtractScope;
  trigger: InsightRunTrigger;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  totals: Partial<ExtractTotals> & { done?: number; total?: number };
  error: string | null;
  /** What went out about the run: `slack` holds the digest post's outcome. */
  deliveries: Record<string, unknown>;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const RUN_COLUMNS =
  'id, scope, trigger, status, totals, error, deliveries, created_at, started_at, finished_at';

export type RunDeps = Omit<InsightDeps, 'contextFor'> & Parameters<typeof connectionContexts>[0];

export async function getInsightRun(q: Queryable, workspaceId: string, runId: string): Promise<InsightRun> {
  const { rows } = await q.query<InsightRun>(
    `SELECT ${RUN_COLUMNS} FROM insight_runs WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [workspaceId, runId],
  );
  if (!rows[0]) throw new NotFoundError(`insight run ${runId}`);
  return rows[0];
}

/** Checks the scope's target exists in the workspace, so a bad id is a 404 now rather than an empty run later. */
async function checkScope(q: Queryable, workspaceId: string, scope: ExtractScope) {
  if (scope.kind === 'pending') return;
  const [table, id] =
    scope.kind === 'deal' ? ['deals', scope.deal_id] : ['conversations', scope.conversation_id];
  const { rows } = await q.query(`SELECT 1 FROM ${table} WHERE workspace_id = $1::uuid AND id = $2::uuid`, [
    workspaceId,
    id,
  ]);
  if (rows.length === 0) throw new NotFoundError(`${scope.kind} ${id}`);
}

const inFlight = new Set<Promise<unknown>>();

/** Records a queued run after checking its target exists. */
export async function createInsightRun(
  db: RunDeps['db'],
  workspaceId: string,
  scope: ExtractScope,
  trigger: InsightRunTrigger,
): Promise<InsightRun> {
  return withWorkspace(db, workspaceId, async (tx) => {
    await checkScope(tx, workspaceId, scope);
    const { rows } = await tx.query<InsightRun>(
      `INSERT INTO insight_runs (workspace_id, scope, trigger) VALUES ($1::uuid, $2::jsonb, $3) RETURNING ${RUN_COLUMNS}`,
      [workspaceId, JSON.stringify(scope), trigger],
    );
    return rows[0]!;
  });
}

/** Records a queued run and hands it to the queue (or this process); returns at once. */
export async function startInsightRun(
  deps: RunDeps & { queue?: JobQueue },
  workspaceId: string,
  scope: ExtractScope,
  trigger: InsightRunTrigger,
): Promise<InsightRun> {
  const run = await createInsightRun(deps.db, workspaceId, scope, trigger);
  if (deps.queue) {
    await deps.queue.send('insights-extract', { workspace_id: workspaceId, run_id: run.id });
  } else {
    const p = executeInsightRun(deps, workspaceId, run.id)
      .catch((err) => deps.log.error({ err, runId: run.id }, 'insight run crashed'))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  return run;
}

/** Waits for in-process runs (tests, shutdown). */
export async function settleInsightRuns(): Promise<void> {
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
}

const setRun = (deps: { db: Db }, workspaceId: string, runId: string, sets: string, params: SqlParam[]) =>
  updateRunRow(deps.db, 'insight_runs', workspaceId, runId, sets, params);

/** Runs a recorded run once: a run that is no longer queued (another worker took it) is left alone. */
export async function executeInsightRun(
  deps: RunDeps,
  workspaceId: string,
  runId: string,
): Promise<InsightRun> {
  const claimed = await claimQueuedRun<InsightRun>(deps.db, 'insight_runs', RUN_COLUMNS, workspaceId, runId);
  if (claimed) {
    try {
      let lastWrite = 0;
      // Progress writes are chained and awaited before the final one: on a pool, a progress write still in
      // flight could otherwise land after the totals and overwrite them.
      let progress: Promise<unknown> = Promise.resolve();
      const totals = await extractInsights(
        { ...deps, contextFor: connectionContexts(deps) },
        workspaceId,
        claimed.scope,
        (done, total) => {
          // Progress at most once a second: a long run still shows it moving.
          if (Date.now() - lastWrite < 1000 && done < total) return;
          lastWrite = Date.now();
          progress = progress
            .then(() =>
              setRun(deps, workspaceId, runId, `totals = $3::jsonb`, [JSON.stringify({ done, total })]),
            )
            .catch((err) => deps.log.warn({ err, runId }, 'insight run progress not recorded'));
        },
      );
      await progress;
      await setRun(
        deps,
        workspaceId,
        runId,
        `status = 'succeeded', finished_at = now(), totals = $3::jsonb`,
        [JSON.stringify({ ...totals, done: totals.conversations, total: totals.conversations })],
      );
      if (totals.insights_written > 0) await announce(deps, workspaceId, claimed, totals);
    } catch (err) {
      await setRun(deps, workspaceId, runId, `status = 'failed', finished_at = now(), error = $3`, [
        err instanceof Error ? err.message : String(err),
      ]);
    }
  }
  return withWorkspace(deps.db, workspaceId, (tx) => getInsightRun(tx, workspaceId, runId));
}

/** Announcing never fails the run: whatever Slack said is recorded on it. */
async function announce(deps: RunDeps, workspaceId: string, run: InsightRun, totals: ExtractTotals) {
  try {
    const slack = await announceInsightsWritten(deps, workspaceId, {
      run_id: run.id,
      trigger: run.trigger,
      since: new Date(run.started_at ?? run.created_at),
      insights_written: totals.insights_written,
      conversations_extracted: totals.extracted,
      extractor: totals.extractor,
    });
    if (slack)
      await setRun(deps, workspaceId, run.id, `deliveries = jsonb_set(deliveries, '{slack}', $3::jsonb)`, [
        JSON.stringify(slack),
      ]);
  } catch (err) {
    deps.log.warn({ err, workspaceId, runId: run.id }, 'insight run announcement failed');
  }
}

export async function registerInsightWorker(queue: JobQueue, deps: RunDeps): Promise<void> {
  await queue.work('insights-extract', async (data) => {
    await executeInsightRun(deps, data.workspace_id, data.run_id);
  });
}

export interface InsightStatus {
  extractor: string;
  conversations: {
    eligible: number;
    extracted: number;
    pending: number;
    failed: number;
    no_transcript: number;
  };
  insights: { current: number; superseded: number; by_type: Record<string, number> };
  tokens: { input: number; output: number; per_extracted_conversation: number | null };
  last_run: InsightRun | null;
}

/** `identity` comes from currentExtractor, called outside the caller's transaction (it opens its own). */
export async function insightStatus(
  q: Queryable,
  workspaceId: string,
  identity: ExtractorIdentity,
): Promise<InsightStatus> {
  const pending = await pendingConversationIds(q, workspaceId, identity);
  const { rows } = await q.query<{
    eligible: number;
    extracted: number;
    failed: number;
    no_transcript: number;
    input: number;
    output: number;
  }>(
    /* sql */ `SELECT
       (SELECT count(*) FROM conversations c WHERE c.workspace_id = $1::uuid AND c.is_tracked
          AND c.is_internal IS NOT TRUE AND c.deal_id IS NOT NULL)::int AS eligible,
       count(*) FILTER (WHERE e.status = 'extracted')::int AS extracted,
       count(*) FILTER (WHERE e.status = 'failed')::int AS failed,
       count(*) FILTER (WHERE e.status = 'no_transcript')::int AS no_transcript,
       coalesce(sum(e.input_tokens), 0)::int AS input, coalesce(sum(e.output_tokens), 0)::int AS output
     FROM insight_extractions e WHERE e.workspace_id = $1::uuid`,
    [workspaceId],
  );
  const counts = await q.query<{ insight_type: string; current: number; superseded: number }>(
    /* sql */ `SELECT insight_type, count(*) FILTER (WHERE is_current)::int AS current,
              count(*) FILTER (WHERE NOT is_current)::int AS superseded
     FROM deal_insights WHERE workspace_id = $1::uuid GROUP BY insight_type ORDER BY insight_type`,
    [workspaceId],
  );
  const last = await q.query<InsightRun>(
    `SELECT ${RUN_COLUMNS} FROM insight_runs WHERE workspace_id = $1::uuid ORDER BY created_at DESC, id LIMIT 1`,
    [workspaceId],
  );
  const r = rows[0]!;
  return {
    extractor: `${identity.extractor}@${identity.version}`,
    conversations: {
      eligible: r.eligible,
      extracted: r.extracted,
      pending: pending.length,
      failed: r.failed,
      no_transcript: r.no_transcript,
    },
    insights: {
      current: counts.rows.reduce((s, c) => s + c.current, 0),
      superseded: counts.rows.reduce((s, c) => s + c.superseded, 0),
      by_type: Object.fromEntries(counts.rows.map((c) => [c.insight_type, c.current])),
    },
    tokens: {
      input: r.input,
      output: r.output,
      per_extracted_conversation: r.extracted ? Math.round((r.input + r.output) / r.extracted) : null,
    },
    last_run: last.rows[0] ?? null,
  };
}
