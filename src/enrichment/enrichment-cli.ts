/**
 * `pandora enrichment run|status`: enrich one closed deal or every closed deal not yet enriched, printing
 * each step's outcome; or print the workspace's enrichment status. Runs in-process on the database, or
 * through the HTTP API of a server that holds the embedded data folder.
 */
import { localCommandDeps } from '../cli/local-command-deps.ts';
import { withCliBackend } from '../cli/cli-backend.ts';
import { type Command, UsageError, uuidOption } from '../cli/command-line.ts';
import type { Config } from '../config.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { getWorkspace } from '../workspaces/workspaces.ts';
import { enrichmentStatus } from './enrichment-reads.ts';
import {
  createEnrichmentRun,
  type EnrichmentRun,
  type EnrichmentScope,
  executeEnrichmentRun,
} from './enrichment-runs.ts';
import { loadEnrichmentSettings } from './enrichment-settings.ts';

function printRun(run: EnrichmentRun, json: boolean): number {
  if (json) console.log(JSON.stringify(run, null, 2));
  else {
    const t = run.totals;
    console.log(
      `enrichment ${run.status}: ${t.deals ?? 0} deals (${t.won ?? 0} won, ${t.lost ?? 0} lost), ${t.contacts ?? 0} contacts`,
    );
    for (const s of run.steps) {
      const summary = Object.entries(s.summary)
        .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      console.log(
        `  ${s.step}: ${s.status}${summary ? ` (${summary})` : ''}${s.note ? `; ${s.note}` : ''}${s.error ? `; ${s.error}` : ''}`,
      );
    }
  }
  return run.status === 'succeeded' ? 0 : 1;
}

export function enrichmentCommands(config: () => Config): Command[] {
  return [
    {
      path: ['enrichment', 'run'],
      args: '--workspace <id> [--deal <id>] [--json]',
      summary:
        'enrich one closed deal, or every closed deal not yet enriched (roles, Apollo, signals, features)',
      options: { workspace: { type: 'string' }, deal: { type: 'string' }, json: { type: 'boolean' } },
      run: async ({ values, positionals }) => {
        if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
        const workspaceId = uuidOption('workspace', values.workspace);
        const deal = uuidOption('deal', values.deal, { optional: true });
        const scope: EnrichmentScope = deal ? { kind: 'deal', deal_id: deal } : { kind: 'pending' };
        const run = await withCliBackend(config(), async (backend) => {
          if (backend.kind === 'db') {
            await getWorkspace(backend.db, workspaceId);
            // The CLI is the worker: the run is recorded, then executed here to the end.
            const queued = await createEnrichmentRun({ db: backend.db }, workspaceId, scope, 'cli');
            return executeEnrichmentRun(localCommandDeps(config(), backend.db), workspaceId, queued.id);
          }
          const base = `/api/workspaces/${workspaceId}/enrichment`;
          if (deal) return backend.api.request<EnrichmentRun>('POST', `${base}/deal/${deal}`, {});
          let r = await backend.api.request<EnrichmentRun>('POST', `${base}/batch`, {});
          while (r.status === 'queued' || r.status === 'running') {
            await new Promise((resolve) => setTimeout(resolve, 500));
            r = await backend.api.request<EnrichmentRun>('GET', `${base}/runs/${r.id}`);
          }
          return r;
        });
        return printRun(run, values.json === true);
      },
    },
    {
      path: ['enrichment', 'status'],
      args: '--workspace <id>',
      summary:
        'enrichment status: providers configured, closed deals enriched and pending, signals, committee coverage',
      options: { workspace: { type: 'string' } },
      run: async ({ values }) => {
        const workspaceId = uuidOption('workspace', values.workspace);
        const status = await withCliBackend(config(), async (backend) => {
          if (backend.kind === 'server')
            return backend.api.request('GET', `/api/workspaces/${workspaceId}/enrichment/status`);
          await getWorkspace(backend.db, workspaceId);
          const deps = localCommandDeps(config(), backend.db);
          return withWorkspace(backend.db, workspaceId, async (tx) =>
            enrichmentStatus(
              tx,
              workspaceId,
              await loadEnrichmentSettings(tx, workspaceId, deps.config, deps.vault),
            ),
          );
        });
        console.log(JSON.stringify(status, null, 2));
        return 0;
      },
    },
  ];
}
