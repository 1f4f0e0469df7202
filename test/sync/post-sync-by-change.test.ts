import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureDemoWorkspace } from '../../src/demo/demo-workspace.ts';
import { changedEntities, postSyncSteps } from '../../src/sync/post-sync-steps.ts';
import { confirmAndWait, upload } from '../connectors/file-import/import-client.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const DEALS = `Deal ID,Deal Name,Amount,Stage,Close Date,Company
D-1,Acme renewal,12500,Qualification,2026-03-31,Acme
D-2,Globex expansion,8000,Proposal,2026-03-31,Globex
D-3,Initech pilot,1500,Closed Won,2026-01-15,Initech
`;

describe('post-sync steps chosen by what changed', () => {
  test('the change set comes from counts; steps run when one of their inputs changed', () => {
    assert.deepEqual(
      changedEntities({
        conversations: { inserted: 2, updated: 0, unchanged: 0 },
        contacts: { inserted: 0, updated: 0, unchanged: 5 },
        deal_stage_history: { inserted: 1, updated: 0, unchanged: 0 },
        not_an_entity: { inserted: 9 },
      }),
      ['deals', 'conversations'],
    );
    const names = (kinds: Parameters<typeof postSyncSteps>[0]) => postSyncSteps(kinds).map((s) => s.name);
    assert.deepEqual(names([]), []);
    assert.ok(names(['conversations']).includes('linker'));
    assert.ok(names(['conversations']).includes('internal-meeting-filter'));
    assert.ok(!names(['conversations']).includes('pipeline-rollups'));
    assert.ok(!names(['documents']).includes('linker'));
    assert.ok(names(['documents']).includes('gdrive-account-match'));
    assert.ok(names(['deals']).includes('computed-fields'));
  });

  describe('through the real entry points', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({ PANDORA_IMPORT_DIR: mkdtempSync(join(tmpdir(), 'pandora-chain-')) });
    });
    after(() => app.close());

    test('the demo world (connector "synthetic") gets the linker: its conversations are classified and linked', async () => {
      const demo = await ensureDemoWorkspace(app.deps, { deals: 40 });
      const { rows: logs } = await app.db.query<{
        status: string;
        phase: string;
        post_sync: string;
        progress: { changed: string[]; post_sync: { name: string; status: string; duration_ms: number }[] };
      }>(
        `SELECT status, phase, post_sync, progress FROM sync_log WHERE workspace_id = $1 AND connector_name = 'synthetic'`,
        [demo.workspaceId],
      );
      assert.equal(logs.length, 1);
      const log = logs[0]!;
      assert.deepEqual([log.status, log.phase, log.post_sync], ['succeeded', 'post_sync', 'done']);
      assert.ok(log.progress.changed.includes('conversations'));
      const steps = log.progress.post_sync.map((s) => s.name);
      for (const name of ['internal-meeting-filter', 'linker', 'computed-fields', 'pipeline-rollups'])
        assert.ok(steps.includes(name), `${name} ran`);
      assert.ok(log.progress.post_sync.every((s) => s.status === 'succeeded' && s.duration_ms >= 0));
      const { rows } = await app.db.query<{ total: number; unclassified: number; linked: number }>(
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE is_internal IS NULL)::int AS unclassified,
                count(deal_id)::int AS linked
         FROM conversations WHERE workspace_id = $1`,
        [demo.workspaceId],
      );
      assert.ok(rows[0]!.total > 0);
      assert.equal(rows[0]!.unclassified, 0);
      assert.ok(rows[0]!.linked > rows[0]!.total / 2, JSON.stringify(rows[0]));
    });

    test('an applied import runs the chain: its deals are scored and the batch names the run', async () => {
      const ws = await app.createWorkspace('Importer');
      const up = await upload(app, ws, 'deals.csv', DEALS);
      assert.equal(up.status, 201, JSON.stringify(up.body));
      const done = await confirmAndWait(app, ws, up.body.batch.id, { strategy: 'merge' });
      assert.equal(done.body.batch.status, 'applied', JSON.stringify(done.body.batch));
      const syncLogId = done.body.batch.result.sync_log_id;
      assert.ok(syncLogId, JSON.stringify(done.body.batch.result));
      let log: any;
      for (let i = 0; i < 400; i++) {
        log = (await app.request('GET', `/api/workspaces/${ws.id}/sync-log/${syncLogId}`, { token: ws.key }))
          .body;
        if (log.status !== 'running') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(log.status, 'succeeded');
      assert.equal(log.connector_name, 'csv_import');
      assert.equal(log.post_sync, 'done');
      assert.deepEqual(log.progress.changed, ['deals']);
      const steps = log.progress.post_sync.map((s: { name: string }) => s.name);
      assert.ok(steps.includes('computed-fields') && steps.includes('pipeline-rollups'), steps.join());
      // The open deals carry a risk score, as a client reading them right after would expect.
      const { rows } = await app.db.query<{ name: string; scored: boolean }>(
        `SELECT name, computed_at IS NOT NULL AND deal_risk IS NOT NULL AS scored FROM deals
         WHERE workspace_id = $1 AND stage_normalized NOT IN ('closed_won', 'closed_lost') ORDER BY name`,
        [ws.id],
      );
      assert.deepEqual(rows, [
        { name: 'Acme renewal', scored: true },
        { name: 'Globex expansion', scored: true },
      ]);
    });
  });
});
