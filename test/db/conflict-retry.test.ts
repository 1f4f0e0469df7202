import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { upload, confirmAndWait } from '../connectors/file-import/import-client.ts';
import { failWithDeadlock } from '../helpers/deadlock-trigger.ts';
import { serverUrl } from '../helpers/test-db.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

describe('transactions aborted by a deadlock are run again where the work allows it', () => {
  let app: TestApp;
  let ws: { id: string; key: string };
  const count = async (sql: string) =>
    Number(Object.values((await app.db.query<object>(sql, [ws.id] as never[])).rows[0]!)[0]);

  before(async () => {
    app = await startTestApp({ PANDORA_IMPORT_DIR: mkdtempSync(join(tmpdir(), 'pandora-conflict-')) });
    ws = await app.createWorkspace('Conflicts');
  });
  after(() => app.close());

  test('retryConflicts runs the whole transaction again; without it the error stands and nothing is kept', async () => {
    const insertTwo = (tag: string) => async (tx: Parameters<Parameters<typeof withWorkspace>[2]>[0]) => {
      await tx.query(`INSERT INTO accounts (workspace_id, source, source_id) VALUES ($1::uuid, 'csv', $2)`, [
        ws.id,
        `${tag}-1`,
      ]);
      await tx.query(`INSERT INTO accounts (workspace_id, source, source_id) VALUES ($1::uuid, 'csv', $2)`, [
        ws.id,
        `${tag}-2`,
      ]);
    };
    let done = await failWithDeadlock(app.db, 'accounts', 2);
    await withWorkspace(app.db, ws.id, insertTwo('retried'), { retryConflicts: true });
    assert.equal(await done(), 4, 'two aborted attempts, then both statements of the third');
    assert.equal(
      await count(`SELECT count(*) FROM accounts WHERE workspace_id = $1 AND source_id LIKE 'retried-%'`),
      2,
    );

    done = await failWithDeadlock(app.db, 'accounts', 1);
    await assert.rejects(withWorkspace(app.db, ws.id, insertTwo('once')), { code: '40P01' });
    await done();
    assert.equal(
      await count(`SELECT count(*) FROM accounts WHERE workspace_id = $1 AND source_id LIKE 'once-%'`),
      0,
    );

    // Three attempts at most: a conflict that keeps coming back is reported.
    done = await failWithDeadlock(app.db, 'accounts', 10);
    await assert.rejects(withWorkspace(app.db, ws.id, insertTwo('stuck'), { retryConflicts: true }), {
      code: '40P01',
    });
    assert.equal(await done(), 3);
  });

  test('two connections locking two rows in opposite orders: PostgreSQL aborts one, and its retry writes once', {
    skip: serverUrl ? false : 'one embedded connection cannot deadlock',
  }, async () => {
    await app.db.query(
      `INSERT INTO accounts (workspace_id, source, source_id, name) VALUES ($1::uuid, 'csv', 'lock-a', ''), ($1::uuid, 'csv', 'lock-b', '')`,
      [ws.id],
    );
    const signal = () => {
      let resolve = () => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      return { promise, resolve };
    };
    const ready = { t1: signal(), t2: signal() };
    const attempts = { t1: 0, t2: 0 };
    const mark = (tx: Parameters<Parameters<typeof withWorkspace>[2]>[0], row: string, tag: string) =>
      tx.query(`UPDATE accounts SET name = name || $3 WHERE workspace_id = $1::uuid AND source_id = $2`, [
        ws.id,
        row,
        tag,
      ]);
    // Each holds its first row, waits until the other holds its own, then asks for the other's.
    const lockBoth =
      (me: 't1' | 't2', first: string, second: string, other: 't1' | 't2') =>
      async (tx: Parameters<Parameters<typeof withWorkspace>[2]>[0]) => {
        attempts[me]++;
        await mark(tx, first, `[${me}]`);
        ready[me].resolve();
        await ready[other].promise;
        await mark(tx, second, `[${me}]`);
      };
    await Promise.all([
      withWorkspace(app.db, ws.id, lockBoth('t1', 'lock-a', 'lock-b', 't2'), { retryConflicts: true }),
      withWorkspace(app.db, ws.id, lockBoth('t2', 'lock-b', 'lock-a', 't1'), { retryConflicts: true }),
    ]);
    assert.equal(attempts.t1 + attempts.t2, 3, 'one of the two was aborted once and run again');
    const { rows } = await app.db.query<{ source_id: string; name: string }>(
      `SELECT source_id, name FROM accounts WHERE workspace_id = $1::uuid AND source_id LIKE 'lock-%' ORDER BY 1`,
      [ws.id],
    );
    for (const row of rows) {
      assert.equal(row.name.length, 8, `${row.source_id}: each mark once, ${row.name}`);
      assert.ok(row.name.includes('[t1]') && row.name.includes('[t2]'), row.name);
    }
  });

  test('an import apply aborted by a deadlock is applied by its next attempt, each row once', async () => {
    const csv = `Deal ID,Deal Name,Stage,Amount\nC-1,Alpha,Proposal,100\nC-2,Beta,Closed Won,200\nC-3,Gamma,Qualification,300\n`;
    const up = await upload(app, ws, 'deals.csv', csv);
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const done = await failWithDeadlock(app.db, 'deals', 1);
    const applied = await confirmAndWait(app, ws, up.body.batch.id, { strategy: 'merge' });
    assert.ok((await done()) >= 2, 'the first attempt failed and a second one wrote');
    assert.equal(applied.body.batch.status, 'applied', JSON.stringify(applied.body.batch));
    assert.equal(applied.body.batch.counts.inserted, 3);
    assert.equal(
      await count(`SELECT count(*) FROM deals WHERE workspace_id = $1 AND source_id LIKE 'id:C-%'`),
      3,
    );
    assert.equal(
      await count(
        `SELECT count(*) FROM deal_stage_history h JOIN deals d ON d.workspace_id = h.workspace_id AND d.id = h.deal_id
         WHERE h.workspace_id = $1 AND d.source_id LIKE 'id:C-%'`,
      ),
      3,
    );
  });
});
