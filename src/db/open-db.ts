/** Chooses the driver: PostgreSQL when DATABASE_URL is set, otherwise PGlite in the data folder. */
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Db } from './db.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { createPgDb } from './pg-driver.ts';
import { createPgliteDb } from './pglite-driver.ts';

export async function openDb(config: Config): Promise<Db> {
  if (config.databaseUrl) return createPgDb(config.databaseUrl, config.dbPoolSize);
  const unlock = lockDataDir(config.dataDir);
  try {
    const db = await createPgliteDb(join(config.dataDir, 'pgdata'));
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
