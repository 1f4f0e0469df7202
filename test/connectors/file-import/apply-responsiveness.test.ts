import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import { upload } from './import-client.ts';

// Two write chunks of deals (10,000 rows each): polls land while the apply's transaction is open.
const ROWS = 14_000;

function dealsCsv(): string {
  const lines = ['Deal ID,Deal Name,Amount,Stage,Close Date'];
  for (let i = 0; i < ROWS; i++) lines.push(`R-${i},Renewal ${i},${(i * 37) % 90_000},Proposal,2026-03-15`);
  return `${lines.join('\n')}\n`;
}

let app: TestApp;
let ws: { id: string; key: string };
before(async () => {
  app = await startTestApp({ PANDORA_IMPORT_DIR: mkdtempSync(join(tmpdir(), 'pandora-import-')) });
  ws = await app.createWorkspace('Apply polls');
});
after(() => app.close());

test('status polls and /healthz answer while an apply runs, with its progress', async () => {
  const up = await upload(app, ws, 'renewals.csv', dealsCsv());
  assert.equal(up.status, 201, JSON.stringify(up.body));
  const batchId = up.body.batch.id as string;
  const confirmed = await app.request('POST', `/api/workspaces/${ws.id}/import/${batchId}/confirm`, {
    token: ws.key,
    body: { strategy: 'merge' },
  });
  assert.equal(confirmed.status, 202);

  const seen: { status: string; rows_done: number }[] = [];
  const health: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const [batch, healthz] = await Promise.all([
      app.request('GET', `/api/workspaces/${ws.id}/import/batches/${batchId}`, { token: ws.key }),
      app.request('GET', '/healthz', { token: '' }),
    ]);
    assert.equal(batch.status, 200);
    assert.equal(healthz.status, 200);
    health.push(healthz.body.database ?? 'answered');
    const b = batch.body.batch;
    seen.push({ status: b.status, rows_done: Number(b.progress?.rows_done ?? 0) });
    if (b.status !== 'confirmed') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(seen.at(-1)!.status, 'applied', JSON.stringify(seen.at(-1)));
  // A poll answered mid-apply shows rows written by the open transaction: on the embedded backend it was
  // answered from the apply's own record, on the server from the progress a second connection wrote.
  const midway = seen.filter((s) => s.status === 'confirmed' && s.rows_done > 0 && s.rows_done < ROWS);
  assert.ok(midway.length > 0, `no poll saw the apply under way: ${JSON.stringify(seen.slice(-5))}`);
  if (app.db.kind === 'pglite') {
    assert.ok(health.includes('busy'), `/healthz never reported the busy database: ${health.join(',')}`);
  }
  const { rows } = await app.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM deals WHERE workspace_id = $1::uuid`,
    [ws.id],
  );
  assert.equal(rows[0]!.n, ROWS);
});
