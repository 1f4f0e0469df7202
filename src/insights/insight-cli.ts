/**
 * `pandora insights extract|status`: extract deal insights for a workspace (everything pending, one deal,
 * or one conversation) and print the run's totals. Runs in-process on the database, or through the HTTP
 * API of a server that holds the embedded data folder (start the run, then follow it to the end).
 */
import { localCommandDeps } from '../cli/local-command-deps.ts';
import { withCliBackend } from '../cli/cli-backend.ts';
import { type Command, UsageError, uuidOption } from '../cli/command-line.ts';
import type { Config } from '../config.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { getWorkspace } from '../workspaces/workspaces.ts';
import { currentExtractor, type ExtractScope } from './extract-insights.ts';
import {
  executeInsightRun,
  type InsightRun,
  type InsightStatus,
  insightStatus,
  createInsightRun,
} from './insight-runs.ts';

function printRun(run: InsightRun, json: boolean): number {
  if (json) console.log(JSON.stringify(run, null, 2));
  else {
    const t = run.totals;
    console.log(
      `insights ${run.status}: ${t.extracted ?? 0} conversations extracted, ${t.cached ?? 0} unchanged, ` +
        `${t.no_transcript ?? 0} without transcript, ${t.failed ?? 0} failed; ${t.insights_written ?? 0} insights written, ` +
        `${t.quotes_rejected ?? 0} quotes rejected; tokens ${t.input_tokens ?? 0} in / ${t.output_tokens ?? 0} out; ` +
        `extractor ${t.extractor ?? '?'}`,
    );
    for (const [source, n] of Object.entries(t.skipped_no_source ?? {}))
      console.log(
        `  ${n} ${source} conversations left pending: no stored transcript and no ${source} connection`,
      );
    for (const n of new Set(t.notes ?? [])) console.log(`  note: ${n}`);
    if (run.error) console.log(`  error: ${run.error}`);
  }
  return run.status === 'succeeded' ? 0 : 1;
}

export function insightCommands(config: () => Config): Command[] {
  return [
    {
      path: ['insights', 'extract'],
      args: '--workspace <id> [--deal <id> | --conversation <id>] [--json]',
      summary: 'extract deal insights from calls (everything pending, one deal or one conversation)',
      options: {
        workspace: { type: 'string' },
        deal: { type: 'string' },
        conversation: { type: 'string' },
        json: { type: 'boolean' },
      },
      run: async ({ values, positionals }) => {
        if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
        const workspaceId = uuidOption('workspace', values.workspace);
        const deal = uuidOption('deal', values.deal, { optional: true });
        const conversation = uuidOption('conversation', values.conversation, { optional: true });
        if (deal && conversation) throw new UsageError('give --deal or --conversation, not both');
        const scope: ExtractScope = deal
          ? { kind: 'deal', deal_id: deal }
          : conversation
            ? { kind: 'conversation', conversation_id: conversation }
            : { kind: 'pending' };
        const run = await withCliBackend(config(), async (backend) => {
          if (backend.kind === 'db') {
            const deps = localCommandDeps(config(), backend.db);
            await getWorkspace(backend.db, workspaceId);
            // The CLI is the worker: the run is recorded, then executed here to the end.
            const queued = await createInsightRun(backend.db, workspaceId, scope, 'cli');
            return executeInsightRun(deps, workspaceId, queued.id);
          }
          const body =
            scope.kind === 'deal'
              ? { scope: 'deal', deal_id: scope.deal_id }
              : scope.kind === 'conversation'
                ? { scope: 'conversation', conversation_id: scope.conversation_id }
                : { scope: 'pending' };
          let r = await backend.api.request<InsightRun>(
            'POST',
            `/api/workspaces/${workspaceId}/insights/extract`,
            body,
          );
          while (r.status === 'queued' || r.status === 'running') {
            await new Promise((resolve) => setTimeout(resolve, 500));
            r = await backend.api.request<InsightRun>(
              'GET',
              `/api/workspaces/${workspaceId}/insights/runs/${r.id}`,
            );
          }
          return r;
        });
        return printRun(run, values.json === true);
      },
    },
    {
      path: ['insights', 'status'],
      args: '--workspace <id>',
      summary: 'insight coverage: conversations extracted, pending and failed, the last run, tokens',
      options: { workspace: { type: 'string' } },
      run: async ({ values }) => {
        const workspaceId = uuidOption('workspace', values.workspace);
        const status = await withCliBackend(config(), (backend) =>
          backend.kind === 'db'
            ? getWorkspace(backend.db, workspaceId)
                .then(() => currentExtractor(localCommandDeps(config(), backend.db), workspaceId))
                .then(({ identity }) =>
                  withWorkspace(backend.db, workspaceId, (tx) => insightStatus(tx, workspaceId, identity)),
                )
            : backend.api.request<InsightStatus>('GET', `/api/workspaces/${workspaceId}/insights/status`),
        );
        console.log(JSON.stringify(status, null, 2));
        return 0;
      },
    },
  ];
}
