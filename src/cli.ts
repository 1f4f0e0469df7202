/** The `pandora` command: serve, migrate, workspaces and API keys from a terminal. */
import { parseArgs } from 'node:util';
import { type Config, loadConfig } from './config.ts';
import type { Db } from './db/db.ts';
import { migrate } from './db/migrate.ts';
import { openDb } from './db/open-db.ts';
import { createLogger } from './logger.ts';
import { formatDemoReport } from './demo/demo-report.ts';
import { ensureDemoWorkspace } from './demo/demo-workspace.ts';
import { startServer } from './server.ts';
import { runGenerateCommand } from './generator/generate-command.ts';
import { SKILL_USAGE, skillCommand } from './skills/skill-cli.ts';
import { createApiKey, revokeApiKey } from './workspaces/api-keys.ts';
import { createWorkspace, getWorkspace, listWorkspaces } from './workspaces/workspaces.ts';

const USAGE = `usage: pandora <command>

  serve                               start the API server (embedded database unless DATABASE_URL is set)
  start                               what \`npm start\` runs: serve
  migrate                             apply pending database migrations
  workspace create <name>             create a workspace
  workspace list                      list workspaces
  apikey create --workspace <id> [--name <name>] [--read-only]
  apikey revoke <keyId> --workspace <id>
  generate --workspace <id> --deals <n> [--seed <n>] [--truth <path>]
                                      fill a workspace with a deterministic synthetic GTM world
${SKILL_USAGE}
`;

class UsageError extends Error {}

async function withDb<T>(config: Config, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDb(config);
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function serve(config: Config, opts: { demo: boolean }): Promise<number> {
  const log = createLogger(config.logLevel);
  const running = await startServer(config, log);
  const generated = running.deps.adminToken.generated;
  console.log(`Pandora is listening on ${running.url} (database: ${running.deps.db.kind})`);
  if (generated) {
    console.log(`Admin token (shown once, keep it): ${generated}`);
  }
  if (opts.demo) {
    const demo = await ensureDemoWorkspace(running.deps, {
      deals: config.demoDeals,
      progress: (line) => console.log(line),
    });
    console.log(formatDemoReport(running.url, demo));
  }
  await new Promise<void>((resolve) => {
    const shutdown = () => {
      console.log('shutting down…');
      running.stop().then(resolve);
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  return 0;
}

async function workspaceCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const name = rest.join(' ').trim();
    if (!name) throw new UsageError('workspace create needs a name');
    const ws = await withDb(config, (db) => db.transaction((tx) => createWorkspace(tx, { name })));
    console.log(JSON.stringify(ws, null, 2));
    return 0;
  }
  if (sub === 'list') {
    const all = await withDb(config, (db) => listWorkspaces(db));
    for (const ws of all) console.log(`${ws.id}  ${ws.name}`);
    if (all.length === 0) console.log('no workspaces yet: pandora workspace create <name>');
    return 0;
  }
  throw new UsageError(`unknown workspace command "${sub ?? ''}"`);
}

async function apikeyCommand(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { workspace: { type: 'string' }, name: { type: 'string' }, 'read-only': { type: 'boolean' } },
  });
  const [sub, keyId] = positionals;
  const workspaceId = values.workspace;
  if (!workspaceId || !/^[0-9a-f-]{36}$/i.test(workspaceId))
    throw new UsageError('--workspace <uuid> is required');
  if (sub === 'create') {
    const created = await withDb(config, async (db) => {
      await getWorkspace(db, workspaceId);
      const scopes = values['read-only'] ? (['read'] as const) : (['read', 'write'] as const);
      return db.transaction((tx) =>
        createApiKey(tx, workspaceId, { name: values.name, scopes: [...scopes] }),
      );
    });
    console.log(`API key ${created.apiKey.id} for workspace ${workspaceId} (shown once):`);
    console.log(created.plaintext);
    return 0;
  }
  if (sub === 'revoke') {
    if (!keyId || !/^[0-9a-f-]{36}$/i.test(keyId)) throw new UsageError('apikey revoke needs the key id');
    const key = await withDb(config, (db) => revokeApiKey(db, workspaceId, keyId));
    console.log(`revoked ${key.id} (${key.prefix}…) at ${key.revoked_at}`);
    return 0;
  }
  throw new UsageError(`unknown apikey command "${sub ?? ''}"`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const config = loadConfig();
  switch (command) {
    case 'serve':
      return serve(config, { demo: false });
    case 'start':
      return serve(config, { demo: config.demoDeals > 0 });
    case 'migrate': {
      const db = await openDb(config);
      try {
        const r = await migrate(db);
        console.log(
          r.applied.length
            ? `applied: ${r.applied.join(', ')}`
            : `up to date (${r.alreadyApplied} migrations)`,
        );
      } finally {
        await db.close();
      }
      return 0;
    }
    case 'workspace':
      return workspaceCommand(config, args);
    case 'apikey':
      return apikeyCommand(config, args);
    case 'skill':
      return skillCommand(config, args);
    case 'generate':
      return withDb(config, (db) => runGenerateCommand(args, { db }));
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return command ? 0 : 2;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`pandora: ${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      console.error(`pandora: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    }
  },
);
