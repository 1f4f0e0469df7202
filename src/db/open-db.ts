/** Chooses the driver: PostgreSQL when DATABASE_URL is set, otherwise PGlite in the data folder. */
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Db } from './db.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { createPgDb } from './pg-driver.ts';
import { createPgliteDb } from './pglite-driver.ts';

export async function openDb(config: Config, log?: Logger): Promise<Db> {
  if (config.databaseUrl) return createPgDb(config.databaseUrl, config.dbPoolSize);
  const unlock = lockDataDir(config.dataDir);
  try {
    const slow = config.slowStatementMs;
    const db = await createPgliteDb(join(config.dataDir, 'pgdata'), {
      onSlowStatement:
        slow > 0 && log
          ? {
              afterMs: slow,
              report: (work) =>
                log.warn(
                  work,
                  work.kind === 'event loop'
                    ? 'event loop held'
                    : `slow ${work.kind === 'transaction' ? 'transaction' : 'statement'}`,
                ),
            }
          : undefined,
    });
    return {
      ...db,
      async close() {
        try {
          await db.close();
        } finally {
          unlock();
        }
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}
