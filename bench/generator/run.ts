/**
 * Generator benchmark: writes a world of N deals into a fresh workspace and prints one JSON line of
 * figures (rows/s per table, total). On the server named by DATABASE_URL it works in a database of its
 * own, dropped afterwards; without DATABASE_URL it uses in-memory PGlite.
 *   node --import tsx bench/generator/run.ts 100000 [--seed 7] [--rerun] [--keep]
 * --rerun generates the same world again and reports the idempotent pass; --keep keeps the database.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { createPgliteDb } from '../../src/db/pglite-driver.ts';
import { type GenerateSummary, generateWorld } from '../../src/generator/world.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seed: { type: 'string', default: '42' },
    rerun: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    chunk: { type: 'string' },
  },
});
const deals = Number(positionals[0] ?? 10_000);
const config = loadConfig();
const scratch = `pandora_bench_generator_${randomBytes(4).toString('hex')}`;
const admin = config.databaseUrl ? createPgDb(config.databaseUrl, 1) : undefined;
let db: Db;
if (admin && config.databaseUrl) {
  await admin.query(`CREATE DATABASE ${scratch}`);
  const url = new URL(config.databaseUrl);
  url.pathname = `/${scratch}`;
  db = createPgDb(url.toString(), config.dbPoolSize);
} else {
  db = await createPgliteDb();
}

function figures(s: GenerateSummary) {
  return {
    elapsedMs: s.elapsedMs,
    totalRows: s.totalRows,
    rowsPerSecond: s.rowsPerSecond,
    tables: Object.fromEntries(
      Object.entries(s.tables).map(([t, v]) => [
        t,
        {
          rows: v.rows,
          inserted: v.inserted,
          unchanged: v.unchanged,
          rowsPerSecond: v.rowsPerSecond,
          lookupMs: v.lookupMs,
        },
      ]),
    ),
  };
}

try {
  await migrate(db);
  const ws = await createWorkspace(db, { name: `bench-generator-${deals}` });
  const options = {
    deals,
    seed: Number(values.seed),
    ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
    ...(values.chunk ? { chunkDeals: Number(values.chunk) } : {}),
  };
  const first = await generateWorld(db, ws.id, options);
  const rerun = values.rerun ? await generateWorld(db, ws.id, options) : undefined;
  console.log(
    JSON.stringify({
      bench: 'generator',
      backend: db.kind,
      deals,
      seed: first.seed,
      ...(admin && values.keep ? { database: scratch } : {}),
      ...figures(first),
      ...(rerun ? { rerun: figures(rerun) } : {}),
    }),
  );
} finally {
  await db.close();
  // Dropping the database is instant; deleting the workspace row by row through the cascades is not.
  if (admin && !values.keep) await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
  await admin?.close();
}
