/**
 * `pandora connector health|reconcile`: a connection's health ledger, and an association reconciliation
 * pass run to its end. On the database in-process, or through the HTTP API of a server that holds the
 * embedded data folder.
 */
import { withCliBackend } from '../cli/cli-backend.ts';
import { type Command, UsageError } from '../cli/command-line.ts';
import type { Config } from '../config.ts';
import { createCredentialVault, loadEncryptionKey } from '../connectors/credential-vault.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { createLogger } from '../logger.ts';
import {
  getReconciliation,
  queueReconciliation,
  type ReconciliationRow,
  runReconciliation,
} from './association-reconciliation.ts';
import { getSyncHealth, type SyncHealth } from './sync-health.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CONNECTOR = /^[a-z][a-z0-9_]{1,40}$/;

function target(values: Record<string, unknown>, positionals: string[]) {
  const workspace = values.workspace;
  if (typeof workspace !== 'string' || !UUID.test(workspace))
    throw new UsageError('--workspace <uuid> is required');
  const connector = positionals[0];
  if (!connector || !CONNECTOR.test(connector) || positionals.length > 1)
    throw new UsageError('name one connector, e.g. hubspot');
  return { workspace, connector };
}

function printHealth(h: SyncHealth) {
  const f = h.freshness;
  console.log(`${h.connector_name} (${h.status}): last success ${f.last_success_at ?? 'never'}`);
  console.log(
    `  runs in ${h.runs.window_days} days: ${h.runs.total}, failed ${h.runs.failed}; requests ${h.http.requests}, ` +
      `rate-limited ${h.http.rate_limited}, server errors ${h.http.server_errors}`,
  );
  for (const o of h.objects)
    console.log(
      `  ${o.entity.padEnd(13)} source ${String(o.source_count ?? '-').padStart(8)}  stored ${String(o.stored).padStart(8)}` +
        `  deleted ${String(o.deleted).padStart(6)}  drift ${o.drift ?? '-'}`,
    );
  const r = h.associations.last_reconciliation;
  console.log(
    `  associations: ${r ? `${r.status} at ${r.finished_at ?? r.started_at}` : 'never reconciled'}`,
  );
  console.log(`  rejected records: ${h.rejections.total}`);
  for (const x of h.rejections.by_reason) console.log(`    ${x.count} ${x.entity}: ${x.reason}`);
}

export function syncHealthCommands(config: () => Config): Command[] {
  return [
    {
      path: ['connector', 'health'],
      args: '<connector> --workspace <id> [--json]',
      summary: 'the sync health ledger of a connection: freshness, errors, counts at the source vs stored',
      options: { workspace: { type: 'string' }, json: { type: 'boolean' } },
      run: async ({ values, positionals }) => {
        const { workspace, connector } = target(values, positionals);
        const h = await withCliBackend(config(), (b) =>
          b.kind === 'db'
            ? withWorkspace(b.db, workspace, (tx) =>
                getSyncHealth(tx, workspace, connector, { windowDays: 30 }),
              )
            : b.api.request<SyncHealth>('GET', `/api/workspaces/${workspace}/connectors/${connector}/health`),
        );
        if (values.json) console.log(JSON.stringify(h, null, 2));
        else printHealth(h);
        return 0;
      },
    },
    {
      path: ['connector', 'reconcile'],
      args: '<connector> --workspace <id>',
      summary: 're-read every association at the source and correct the stored ones',
      options: { workspace: { type: 'string' } },
      run: async ({ values, positionals }) => {
        const { workspace, connector } = target(values, positionals);
        const row = await withCliBackend(config(), async (b): Promise<ReconciliationRow> => {
          if (b.kind === 'server') {
            const base = `/api/workspaces/${workspace}/connectors/${connector}`;
            const started = await b.api.request<{ reconciliation_id: string }>(
              'POST',
              `${base}/reconcile-associations`,
              {},
            );
            for (;;) {
              const r = await b.api.request<ReconciliationRow>(
                'GET',
                `${base}/reconciliations/${started.reconciliation_id}`,
              );
              if (r.status !== 'running') return r;
              await new Promise((resolve) => setTimeout(resolve, 1000));
            }
          }
          const cfg = config();
          const deps = {
            db: b.db,
            config: cfg,
            vault: createCredentialVault(loadEncryptionKey(cfg)),
            log: createLogger(cfg.logLevel === 'info' ? 'warn' : cfg.logLevel),
          };
          const started = await queueReconciliation(deps, workspace, connector, 'manual');
          if (!started.created)
            return withWorkspace(b.db, workspace, (tx) => getReconciliation(tx, workspace, started.row.id));
          return runReconciliation(deps, workspace, started.row.id);
        });
        console.log(JSON.stringify(row, null, 2));
        return row.status === 'failed' ? 1 : 0;
      },
    },
  ];
}
