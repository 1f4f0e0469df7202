/** The API server for bench/query, in its own process so the load generator does not share its event loop. */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.ts';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { createLogger } from '../../src/logger.ts';
import { buildDeps, listen } from '../../src/server.ts';

const databaseUrl = process.argv[2];
const poolSize = process.argv[3] ?? '16';
if (!databaseUrl) throw new Error('usage: serve.ts <database url> [pool size]');
const config = loadConfig({
  DATABASE_URL: databaseUrl,
  PANDORA_DB_POOL_SIZE: poolSize,
  PANDORA_ADMIN_TOKEN: randomBytes(24).toString('hex'),
  PANDORA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  LOG_LEVEL: 'silent',
});
const db = createPgDb(databaseUrl, config.dbPoolSize);
const deps = await buildDeps(config, db, createLogger('silent'));
const { url } = await listen(deps, 0, '127.0.0.1');
process.send?.({ url });
process.on('disconnect', () => {
  void db.close().finally(() => process.exit(0));
});
