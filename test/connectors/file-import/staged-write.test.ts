import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ImportStrategy } from '../../../src/connectors/file-import/import-batches.ts';
import { createAccountKeyTable } from '../../../src/connectors/file-import/association-inference.ts';
import { openStagedWriter, type StagedWriter } from '../../../src/connectors/file-import/staged-write.ts';
import type { Queryable } from '../../../src/db/db.ts';
import { withWorkspace } from '../../../src/db/tenant-scope.ts';
import { ENTITY_TABLES } from '../../../src/entities/entity-tables.ts';
import { createWorkspace } from '../../../src/workspaces/workspaces.ts';
import { createTestDb, type TestDb } from '../../helpers/test-db.ts';

const deal = (key: string, extra: Record<string, unknown>) => ({
  source: 'csv_import',
  source_id: key,
  name: key,
  source_data: { row: 2, values: { Name: key } },
  ...extra,
});

describe('staged import writes', () => {
  let t: TestDb;
  let ws: string;
  before(async () => {
    t = await createTestDb();
    ws = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'W' }))).id;
  });
  after(() => t.close());

  const rows = async () =>
    (
      await t.db.query<{ source_id: string; name: string; amount: number | null; stage: string | null }>(
        `SELECT source_id, name, amount, stage FROM deals WHERE workspace_id = $1::uuid ORDER BY source_id`,
        [ws],
      )
    ).rows;
  const captured = async (batchId: string) =>
    (
      await t.db.query<{ source_id: string; amount: string | null }>(
        `SELECT previous ->> 'source_id' AS source_id, previous ->> 'amount' AS amount FROM import_batch_changes
         WHERE workspace_id = $1::uuid AND batch_id = $2::uuid ORDER BY 1`,
        [ws, batchId],
      )
    ).rows;

  async function inBatch(strategy: ImportStrategy, fn: (w: StagedWriter, tx: Queryable) => Promise<void>) {
    const { rows: made } = await t.db.query<{ id: string }>(
      `INSERT INTO import_batches (workspace_id, entity_type, file_name, file_format, file_size)
       VALUES ($1::uuid, 'deals', 'deals.csv', 'csv', 1) RETURNING id`,
      [ws],
    );
    const batchId = made[0]!.id;
    await withWorkspace(t.db, ws, async (tx) => {
      const writer = await openStagedWriter(tx, ENTITY_TABLES.deals, {
        workspaceId: ws,
        batchId,
        entityType: 'deals',
        strategy,
      });
      await fn(writer, tx);
    });
    return batchId;
  }

  test('a fresh batch: repeated keys in a chunk and across chunks, the last row wins', async () => {
    const batchId = await inBatch('merge', async (w) => {
      const first = w.chunk();
      first.add('K1', deal('K1', { amount: 100, stage: 'Proposal' }));
      first.add('K2', deal('K2', { amount: 200 }));
      first.add('K2', deal('K2', { amount: 201 }));
      assert.equal(first.added, 3);
      assert.deepEqual(await w.write(first), { inserted: 2, updated: 0, unchanged: 0, skipped: 1 });
      const second = w.chunk();
      second.add('K1', deal('K1', { amount: 100, stage: 'Proposal' }));
      second.add('K2', deal('K2', { amount: 202 }));
      second.add('K3', deal('K3', { amount: 300 }));
      assert.deepEqual(await w.write(second), { inserted: 1, updated: 1, unchanged: 1, skipped: 0 });
    });
    assert.deepEqual(await rows(), [
      { source_id: 'K1', name: 'K1', amount: 100, stage: 'Proposal' },
      { source_id: 'K2', name: 'K2', amount: 202, stage: null },
      { source_id: 'K3', name: 'K3', amount: 300, stage: null },
    ]);
    // Every row was created by this batch: there is nothing to restore.
    assert.deepEqual(await captured(batchId), []);
  });

  test('merge over stored rows: previous images captured, equal values compared as stored', async () => {
    const batchId = await inBatch('merge', async (w) => {
      const chunk = w.chunk();
      chunk.add('K1', deal('K1', { amount: 150, stage: 'Proposal' }));
      // 202.004 is stored as 202.00 by numeric(18,2): the same value, no write.
      chunk.add('K2', deal('K2', { amount: 202.004 }));
      chunk.add('K4', deal('K4', { amount: 400 }));
      assert.deepEqual(await w.write(chunk), { inserted: 1, updated: 1, unchanged: 1, skipped: 0 });
    });
    assert.deepEqual(await captured(batchId), [
      { source_id: 'K1', amount: '100.00' },
      { source_id: 'K2', amount: '202.00' },
    ]);
    const after = await rows();
    assert.equal(after.find((r) => r.source_id === 'K1')?.amount, 150);
    assert.equal(after.find((r) => r.source_id === 'K4')?.amount, 400);
  });

  test('columns no row of a chunk sets keep their stored values', async () => {
    await inBatch('merge', async (w) => {
      const chunk = w.chunk();
      chunk.add('K1', { source: 'csv_import', source_id: 'K1', name: 'K1 renamed' });
      assert.deepEqual(await w.write(chunk), { inserted: 0, updated: 1, unchanged: 0, skipped: 0 });
    });
    const k1 = (await rows()).find((r) => r.source_id === 'K1');
    assert.deepEqual(k1, { source_id: 'K1', name: 'K1 renamed', amount: 150, stage: 'Proposal' });
  });

  test('append inserts new keys only and leaves stored rows alone', async () => {
    const before = await rows();
    const batchId = await inBatch('append', async (w) => {
      const chunk = w.chunk();
      chunk.add('K1', deal('K1', { amount: 999 }));
      chunk.add('K5', deal('K5', { amount: 500 }));
      assert.deepEqual(await w.write(chunk), { inserted: 1, updated: 0, unchanged: 0, skipped: 1 });
    });
    const after = await rows();
    assert.deepEqual(
      after.filter((r) => r.source_id !== 'K5'),
      before,
    );
    assert.equal(after.find((r) => r.source_id === 'K5')?.amount, 500);
    assert.deepEqual(await captured(batchId), []);
  });

  test('a row naming a column the table does not have is refused', async () => {
    await assert.rejects(
      inBatch('merge', async (w) => {
        w.chunk().add('K9', { ...deal('K9', {}), no_such_column: 1 });
      }),
      /unknown column "no_such_column"/,
    );
  });
});

describe('direct import writes (no stored rows of the source before the batch)', () => {
  let t: TestDb;
  before(async () => {
    t = await createTestDb();
  });
  after(() => t.close());

  const refs = (r: Record<string, unknown>) => ({ row: 2, values: {}, refs: r });
  // As the normaliser writes deals: every row sets the columns that have defaults.
  const full = { custom_fields: {}, is_closed: false, is_won: false };
  // Three chunks: the second repeats a key of the first, so it and the third go staged.
  const chunks: Array<Array<[string, Record<string, unknown>]>> = [
    [
      [
        'K1',
        { name: 'K1', amount: 100, stage: 'Proposal', source_data: refs({ account_domain: 'acme.example' }) },
      ],
      ['K2', { name: 'K2', amount: 200, source_data: refs({ account_key: 'acme' }) }],
      ['K2', { name: 'K2', amount: 201, source_data: refs({ account_key: 'acme' }) }],
      ['K3', { name: 'K3', source_data: refs({ account_key: 'nobody' }), custom_fields: { Region: 'EU' } }],
    ],
    [
      [
        'K1',
        { name: 'K1', amount: 150, stage: 'Won', source_data: refs({ account_domain: 'acme.example' }) },
      ],
      ['K4', { name: 'K4', amount: 400, source_data: refs({ account_key: 'globex' }) }],
    ],
    [['K5', { name: 'K5', amount: 500, source_data: refs({ account_key: 'globex' }) }]],
  ];

  async function importInto(
    direct: boolean,
    only?: number,
    extra: Record<string, unknown> = full,
    override: Record<string, unknown> = {},
  ) {
    const ws = (await t.db.transaction((tx) => createWorkspace(tx, { name: `W ${direct}` }))).id;
    const counts: unknown[] = [];
    let stagedRows = -1;
    await withWorkspace(t.db, ws, async (tx) => {
      await tx.query(
        `INSERT INTO accounts (workspace_id, source, source_id, name, domain)
         VALUES ($1::uuid, 'csv_import', 'a1', 'Acme, Inc.', 'acme.example'),
                ($1::uuid, 'csv_import', 'a2', 'Globex', '123')`,
        [ws],
      );
      const writer = await openStagedWriter(tx, ENTITY_TABLES.deals, {
        workspaceId: ws,
        batchId: '00000000-0000-0000-0000-000000000000',
        entityType: 'deals',
        strategy: 'merge',
        accountKeys: await createAccountKeyTable(tx, ws),
        direct,
      });
      for (const rowsOfChunk of only === undefined ? chunks : chunks.slice(0, only)) {
        const chunk = writer.chunk();
        for (const [key, row] of rowsOfChunk)
          chunk.add(key, { source: 'csv_import', source_id: key, ...extra, ...row, ...override });
        counts.push(await writer.write(chunk));
      }
      stagedRows = Number(
        (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM pandora_import_stage`)).rows[0]!.n,
      );
    });
    const { rows } = await t.db.query(
      `SELECT d.source_id, d.name, d.amount, d.stage, d.is_closed, d.custom_fields, d.source_data, a.source_id AS account
       FROM deals d LEFT JOIN accounts a ON a.workspace_id = d.workspace_id AND a.id = d.account_id
       WHERE d.workspace_id = $1::uuid ORDER BY d.source_id`,
      [ws],
    );
    return { counts, rows, stagedRows };
  }

  test('chunks written straight into the table end as the staged writes do, repeated keys included', async () => {
    const staged = await importInto(false);
    const direct = await importInto(true);
    assert.deepEqual(direct.counts, staged.counts);
    assert.deepEqual(direct.rows, staged.rows);
    assert.deepEqual(
      staged.rows.map((r) => [r.source_id, r.amount, r.account]),
      [
        ['K1', 150, 'a1'],
        ['K2', 201, 'a1'],
        ['K3', null, null],
        ['K4', 400, 'a2'],
        ['K5', 500, 'a2'],
      ],
    );
    assert.deepEqual(staged.counts[1], { inserted: 1, updated: 1, unchanged: 0, skipped: 0 });
  });

  test('a first chunk of new keys is inserted with no staging pass where there is no COPY', async () => {
    const direct = await importInto(true, 1);
    // The server stages every chunk (its COPY cannot write into a table with row-level security).
    assert.equal(direct.stagedRows, t.db.kind === 'pglite' ? 0 : 3);
    assert.deepEqual(direct.rows, (await importInto(false, 1)).rows);
    assert.deepEqual(
      direct.rows.map((r) => [r.source_id, r.account, r.custom_fields]),
      [
        ['K1', 'a1', {}],
        ['K2', 'a1', {}],
        ['K3', null, { Region: 'EU' }],
      ],
    );
  });

  test('columns no row of a direct chunk sets get their defaults', async () => {
    const direct = await importInto(true, 1, { custom_fields: {} });
    assert.deepEqual(direct.rows, (await importInto(false, 1, { custom_fields: {} })).rows);
    assert.deepEqual(
      direct.rows.map((r) => [r.source_id, r.is_closed]),
      [
        ['K1', false],
        ['K2', false],
        ['K3', false],
      ],
    );
  });
});
