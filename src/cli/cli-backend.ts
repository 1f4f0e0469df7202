/**
 * Where a CLI command does its work: the database itself, or, when a server already holds the embedded
 * data folder, that server's HTTP API. With DATABASE_URL any number of processes share the server, so
 * the CLI always opens the database.
 */
import type { Config } from '../config.ts';
import { DataDirLockedError } from '../db/data-dir-lock.ts';
import type { Db } from '../db/db.ts';
import { migrate } from '../db/migrate.ts';
import { openDb } from '../db/open-db.ts';
import { readLiveEndpoint, ServerApi } from './live-server.ts';

export type CliBackend = { kind: 'db'; db: Db } | { kind: 'server'; api: ServerApi };

/** Runs `fn` against the database, or the live server on this data folder when there is one. */
export async function withCliBackend<T>(
  config: Config,
  fn: (backend: CliBackend) => Promise<T>,
  opts: { migrate?: boolean } = {},
): Promise<T> {
  const live = config.databaseUrl ? null : readLiveEndpoint(config.dataDir);
  if (live) return fn({ kind: 'server', api: new ServerApi(live) });
  let db: Db;
  try {
    db = await openDb(config);
  } catch (err) {
    // A server may have started between the look and the lock.
    const started = err instanceof DataDirLockedError ? readLiveEndpoint(config.dataDir) : null;
    if (started) return fn({ kind: 'server', api: new ServerApi(started) });
    throw err;
  }
  try {
    if (opts.migrate ?? true) await migrate(db);
    return await fn({ kind: 'db', db });
  } finally {
    await db.close();
  }
}

/** For commands with no HTTP form: the database, or a plain refusal naming the running server. */
export async function withDbOnly<T>(config: Config, what: string, fn: (db: Db) => Promise<T>): Promise<T> {
  return withCliBackend(config, (backend) => {
    if (backend.kind === 'db') return fn(backend.db);
    throw new Error(
      `a Pandora server (process ${backend.api.endpoint.pid}, ${backend.api.endpoint.url}) holds this data ` +
        `folder, and ${what} has no HTTP form: stop the server first, or use DATABASE_URL to share a PostgreSQL server`,
    );
  });
}
