import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.ts';
import { createCredentialVault } from '../../src/connectors/credential-vault.ts';
import { createPgliteDb } from '../../src/db/pglite-driver.ts';
import { migrate } from '../../src/db/migrate.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { generateWorld } from '../../src/generator/world.ts';
import { createLogger } from '../../src/logger.ts';
import '../../src/skills/all-skills.ts';
import { runSkillNow } from '../../src/skills/run-all-skills.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { auc, cohorts, heldOutLeads } from './lead-auc.ts';
const db = await createPgliteDb();
await migrate(db);
const ws = (await db.transaction((tx) => createWorkspace(tx, { name: 'x' }))).id;
let t = performance.now();
await generateWorld(db, ws, { deals: Number(process.argv[2] ?? 1500) });
console.log('gen', Math.round(performance.now() - t));
const deps = {
  db,
  config: loadConfig({}),
  vault: createCredentialVault(randomBytes(32)),
  log: createLogger('silent'),
};
t = performance.now();
const run = await runSkillNow(deps, ws, 'icp-discovery', { closed_before: '2026-05-01' });
console.log('skill', Math.round(performance.now() - t), run.status, run.error);
const r = run.result as any;
console.log(JSON.stringify(r.facts.learned_from), JSON.stringify(r.facts.scoring));
for (const s of r.facts.signals)
  console.log(s.factor, s.value, s.deals, s.won, s.lift, s.p_value?.toExponential(2), s.weight);
console.log(r.narrative);
const leads = await withWorkspace(db, ws, (tx) => heldOutLeads(tx, ws, '2026-05-01'));
console.log('auc', auc(leads), JSON.stringify(cohorts(leads)));
await db.close();
