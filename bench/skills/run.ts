/**
 * Skills at scale on the PostgreSQL server: for each size (default 10k and 100k deals; BENCH_SIZES to
 * change, e.g. "10000,100000,1000000") a generated world, the computed fields, then every skill with the
 * offline provider; per skill its COMPUTE time and its tokens (which must stay flat as the data grows).
 * Prints one JSON line.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/skills/run.ts
 */
import { randomBytes } from 'node:crypto';
import { runComputedFields } from '../../src/compute/compute-engine.ts';
import { loadConfig } from '../../src/config.ts';
import { createCredentialVault } from '../../src/connectors/credential-vault.ts';
import { DEFAULT_AS_OF, generateWorld } from '../../src/generator/world.ts';
import { createLogger } from '../../src/logger.ts';
import { runAllSkills } from '../../src/skills/run-all-skills.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { createScratchDb, serverUrlOrExit } from '../support/scratch-db.ts';

const serverUrl = serverUrlOrExit();
const sizes = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const asOf = DEFAULT_AS_OF.toISOString().slice(0, 10);
const results: Record<string, unknown>[] = [];

for (const deals of sizes) {
  const scratch = await createScratchDb(serverUrl, 'pandora_bench_skills');
  try {
    const db = scratch.db;
    const ws = (await db.transaction((tx) => createWorkspace(tx, { name: `bench ${deals}` }))).id;
    const gen = await generateWorld(db, ws, { deals, concurrency: 2 });
    await db.query('VACUUM ANALYZE');
    const computeStart = performance.now();
    const computed = await runComputedFields(db, ws, { asOf });
    const computeMs = Math.round(performance.now() - computeStart);
    const deps = {
      db,
      config: loadConfig({}),
      vault: createCredentialVault(randomBytes(32)),
      log: createLogger('silent'),
    };
    const runs = await runAllSkills(deps, ws, { asOf, computeFirst: false, trigger: 'cli' });
    results.push({
      deals,
      generated_rows: gen.totalRows,
      computed_fields_ms: computeMs,
      deals_scored: computed.deals_updated,
      skills: Object.fromEntries(
        runs.map((r) => [
          r.skill_id,
          {
            status: r.status,
            compute_ms: r.phase_timings.compute_ms ?? null,
            classify_tokens: (r.tokens.classify?.input ?? 0) + (r.tokens.classify?.output ?? 0),
            synthesize_tokens: (r.tokens.synthesize?.input ?? 0) + (r.tokens.synthesize?.output ?? 0),
          },
        ]),
      ),
    });
  } finally {
    await scratch.drop();
  }
}
console.log(
  JSON.stringify({ bench: 'skills', backend: 'postgres', provider: 'offline', as_of: asOf, sizes: results }),
);
