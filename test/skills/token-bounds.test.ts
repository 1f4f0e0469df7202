import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { runComputedFields } from '../../src/compute/compute-engine.ts';
import { loadConfig } from '../../src/config.ts';
import { createCredentialVault } from '../../src/connectors/credential-vault.ts';
import { bulkUpsert } from '../../src/db/bulk-upsert.ts';
import { ENTITY_TABLES } from '../../src/entities/entity-tables.ts';
import { createLogger } from '../../src/logger.ts';
import { runSkillNow } from '../../src/skills/run-all-skills.ts';
import { SYNTHESIZE_INPUT_TOKENS } from '../../src/skills/skill-runtime.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { AS_OF, dayBefore } from '../helpers/intelligence-fixture.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';

let t: TestDb;

async function workspaceWithDeals(n: number): Promise<string> {
  const ws = (await t.db.transaction((tx) => createWorkspace(tx, { name: `deals ${n}` }))).id;
  const rows = Array.from({ length: n }, (_, i) => ({
    source: 'bulk',
    source_id: `d${i}`,
    name: `Deal number ${i} with a fairly long descriptive name`,
    amount: 1000 + i,
    stage_normalized: 'evaluation',
    is_closed: false,
    is_won: false,
    owner_email: `rep${i % 40}@us.example.com`,
    close_date: dayBefore(i % 30),
    source_data: {},
    custom_fields: {},
  }));
  await bulkUpsert(t.db, ENTITY_TABLES.deals, ws, rows);
  await runComputedFields(t.db, ws, { asOf: AS_OF });
  return ws;
}

describe('SYNTHESIZE input stays bounded as the workspace grows', () => {
  before(async () => {
    t = await createTestDb();
  });
  after(() => t.close());

  test('pipeline-hygiene and forecast tokens are flat from 100 to 1500 deals', async () => {
    const deps = {
      db: t.db,
      config: loadConfig({}),
      vault: createCredentialVault(randomBytes(32)),
      log: createLogger('silent'),
    };
    const tokens: Record<string, number[]> = { 'pipeline-hygiene': [], forecast: [] };
    for (const n of [100, 1500]) {
      const ws = await workspaceWithDeals(n);
      for (const skill of Object.keys(tokens)) {
        const run = await runSkillNow(deps, ws, skill, { as_of: AS_OF });
        assert.equal(run.status, 'succeeded');
        tokens[skill]!.push(run.tokens.synthesize!.input);
      }
    }
    for (const [skill, [small, large]] of Object.entries(tokens)) {
      assert.ok(large! <= SYNTHESIZE_INPUT_TOKENS, `${skill}: ${large} tokens`);
      // The digest holds the same number of records at both sizes; only the digits of the numbers differ.
      assert.ok(Math.abs(large! - small!) / small! < 0.15, `${skill}: ${small} → ${large}`);
    }
  });
});
