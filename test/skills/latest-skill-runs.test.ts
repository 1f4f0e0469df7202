import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { createSkillRun, finishSkillRun, latestSkillRuns } from '../../src/skills/skill-runs.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';
import { createWorkspace } from '../helpers/write-pages.ts';

let t: TestDb;
before(async () => {
  t = await createTestDb();
});
after(() => t.close());

test('latestSkillRuns: the newest run of each skill asked for, with its result, in the order asked', async () => {
  const ws = await createWorkspace(t.db, 'A');
  const other = await createWorkspace(t.db, 'B');
  const run = async (workspaceId: string, skillId: string, headline: string) =>
    withWorkspace(t.db, workspaceId, async (tx) => {
      const r = await createSkillRun(tx, workspaceId, { skillId, trigger: 'cli', inputs: {} });
      await finishSkillRun(tx, workspaceId, r.id, {
        status: 'succeeded',
        phaseTimings: {},
        tokens: {},
        result: { narrative: { headline } },
      });
      return r.id;
    });
  await run(ws, 'forecast', 'old forecast');
  await new Promise((r) => setTimeout(r, 5));
  const newest = await run(ws, 'forecast', 'new forecast');
  const hygiene = await run(ws, 'pipeline-hygiene', 'hygiene');
  await run(other, 'data-quality-audit', 'not mine');

  const runs = await withWorkspace(t.db, ws, (tx) =>
    latestSkillRuns(tx, ws, ['pipeline-hygiene', 'forecast', 'data-quality-audit']),
  );
  assert.deepEqual(
    runs.map((r) => [r.id, (r.result as { narrative: { headline: string } }).narrative.headline]),
    [
      [hygiene, 'hygiene'],
      [newest, 'new forecast'],
    ],
  );
});
