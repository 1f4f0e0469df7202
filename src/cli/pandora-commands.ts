/** Every `pandora` command: serve, migrate, workspaces, API keys, skills, the synthetic world, the admin token. */
import { withCliBackend, withDbOnly } from './cli-backend.ts';
import { type Command, UsageError } from './command-line.ts';
import { readLiveEndpoint } from './live-server.ts';
import type { Config } from '../config.ts';
import { migrate } from '../db/migrate.ts';
import { formatDemoReport } from '../demo/demo-report.ts';
import { ensureDemoWorkspace } from '../demo/demo-workspace.ts';
import { runGenerateCommand } from '../generator/generate-command.ts';
import { rotateAdminToken } from '../http/admin-token.ts';
import { createLogger } from '../logger.ts';
import { startServer } from '../server.ts';
import { insightCommands } from '../insights/insight-cli.ts';
import { enrichmentCommands } from '../enrichment/enrichment-cli.ts';
import { syncHealthCommands } from '../sync/sync-health-cli.ts';
import { skillCommands } from '../skills/skill-cli.ts';
import { workflowCommands } from '../workflows/workflow-cli.ts';
import { createApiKey, revokeApiKey } from '../workspaces/api-keys.ts';
import { createWorkspace, getWorkspace, listWorkspaces } from '../workspaces/workspaces.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuidOption(value: unknown, what: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw new UsageError(`${what} <uuid> is required`);
  return value;
}

async function serve(config: Config, opts: { demo: boolean }): Promise<number> {
  const live = config.databaseUrl ? null : readLiveEndpoint(config.dataDir);
  if (live)
    throw new Error(`a Pandora server (process ${live.pid}) already serves this data folder at ${live.url}`);
  const log = createLogger(config.logLevel);
  const running = await startServer(config, log);
  // The handlers go in before anything is announced: a signal that arrives while the demo is being
  // built must still stop the server cleanly, not end it by the default action.
  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    const shutdown = () => {
      stopping = true;
      console.log('shutting down…');
      running.stop().then(resolve);
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  console.log(`Pandora is listening on ${running.url} (database: ${running.deps.db.kind})`);
  const admin = running.deps.adminToken;
  if (admin.generated) {
    // Kept only once shown: a start that failed before this point leaves no token nobody has seen.
    console.log(`Admin token (shown once, keep it): ${admin.generated}`);
    admin.persist?.();
  }
  if (opts.demo) {
    try {
      const demo = await ensureDemoWorkspace(running.deps, {
        deals: config.demoDeals,
        progress: (line) => console.log(line),
      });
      console.log(formatDemoReport(running.url, demo));
    } catch (err) {
      // Stopped while the demo was being built: its queries fail on the closed database.
      if (!stopping) throw err;
    }
  }
  await stopped;
  return 0;
}

interface WorkspaceRow {
  id: string;
  name: string;
}

/** The command table; `config` is read only by a command that runs (never for --help or bad usage). */
export function pandoraCommands(config: () => Config): Command[] {
  return [
    {
      path: ['serve'],
      summary: 'start the API server (embedded database unless DATABASE_URL is set)',
      run: () => serve(config(), { demo: false }),
    },
    {
      path: ['start'],
      summary: 'what `npm start` runs: serve, with the demo workspace and its report',
      run: () => serve(config(), { demo: config().demoDeals > 0 }),
    },
    {
      path: ['migrate'],
      summary: 'apply pending database migrations',
      run: () =>
        withCliBackend(
          config(),
          async (backend) => {
            if (backend.kind === 'server') {
              console.log(`up to date: the server (process ${backend.api.endpoint.pid}) migrated at start`);
              return 0;
            }
            const r = await migrate(backend.db);
            console.log(
              r.applied.length
                ? `applied: ${r.applied.join(', ')}`
                : `up to date (${r.alreadyApplied} migrations)`,
            );
            return 0;
          },
          { migrate: false },
        ),
    },
    {
      path: ['workspace', 'create'],
      args: '<name>',
      summary: 'create a workspace',
      run: async ({ positionals }) => {
        const name = positionals.join(' ').trim();
        if (!name) throw new UsageError('workspace create needs a name');
        const ws = await withCliBackend(config(), (b) =>
          b.kind === 'db'
            ? b.db.transaction((tx) => createWorkspace(tx, { name }))
            : b.api.request('POST', '/api/workspaces', { name }),
        );
        console.log(JSON.stringify(ws, null, 2));
        return 0;
      },
    },
    {
      path: ['workspace', 'list'],
      summary: 'list workspaces',
      run: async ({ positionals }) => {
        if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
        const all: WorkspaceRow[] = await withCliBackend(config(), async (b) =>
          b.kind === 'db'
            ? listWorkspaces(b.db)
            : (await b.api.request<{ data: WorkspaceRow[] }>('GET', '/api/workspaces')).data,
        );
        for (const ws of all) console.log(`${ws.id}  ${ws.name}`);
        if (all.length === 0) console.log('no workspaces yet: pandora workspace create <name>');
        return 0;
      },
    },
    {
      path: ['apikey', 'create'],
      args: '--workspace <id> [--name <name>] [--read-only]',
      summary: 'create an API key (shown once)',
      options: { workspace: { type: 'string' }, name: { type: 'string' }, 'read-only': { type: 'boolean' } },
      run: async ({ values, positionals }) => {
        if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
        const workspaceId = uuidOption(values.workspace, '--workspace');
        const input = {
          name: values.name as string | undefined,
          scopes: values['read-only'] ? ['read' as const] : ['read' as const, 'write' as const],
        };
        const created = await withCliBackend(config(), async (b) => {
          if (b.kind === 'server')
            return b.api.request<{ id: string; key: string }>(
              'POST',
              `/api/workspaces/${workspaceId}/api-keys`,
              input,
            );
          await getWorkspace(b.db, workspaceId);
          const { apiKey, plaintext } = await b.db.transaction((tx) => createApiKey(tx, workspaceId, input));
          return { id: apiKey.id, key: plaintext };
        });
        console.log(`API key ${created.id} for workspace ${workspaceId} (shown once):`);
        console.log(created.key);
        return 0;
      },
    },
    {
      path: ['apikey', 'revoke'],
      args: '<keyId> --workspace <id>',
      summary: 'revoke an API key',
      options: { workspace: { type: 'string' } },
      run: async ({ values, positionals }) => {
        const workspaceId = uuidOption(values.workspace, '--workspace');
        const keyId = uuidOption(positionals[0], 'apikey revoke needs the key id:');
        const key = await withCliBackend<{ id: string; prefix: string; revoked_at: string | null }>(
          config(),
          (b) =>
            b.kind === 'db'
              ? revokeApiKey(b.db, workspaceId, keyId)
              : b.api.request<{ id: string; prefix: string; revoked_at: string }>(
                  'DELETE',
                  `/api/workspaces/${workspaceId}/api-keys/${keyId}`,
                ),
        );
        console.log(`revoked ${key.id} (${key.prefix}…) at ${key.revoked_at}`);
        return 0;
      },
    },
    {
      path: ['generate'],
      args: '--workspace <id> --deals <n> [--seed <n>] [--truth <path>] [--transcripts]',
      summary: 'fill a workspace with a deterministic synthetic GTM world',
      options: {
        workspace: { type: 'string' },
        deals: { type: 'string' },
        seed: { type: 'string' },
        truth: { type: 'string' },
        transcripts: { type: 'boolean' },
      },
      run: ({ args }) => withDbOnly(config(), 'generate', (db) => runGenerateCommand(args, { db })),
    },
    {
      path: ['admin-token', 'rotate'],
      summary:
        'replace the embedded backend’s admin token and print the new one (a running server takes it within a second)',
      run: async () => {
        console.log(`New admin token (shown once, keep it): ${rotateAdminToken(config())}`);
        return 0;
      },
    },
    ...skillCommands(config),
    ...insightCommands(config),
    ...enrichmentCommands(config),
    ...syncHealthCommands(config),
    ...workflowCommands(config),
  ];
}
