import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { firefliesAdapter } from '../../src/connectors/fireflies/fireflies-adapter.ts';
import { gongAdapter } from '../../src/connectors/gong/gong-adapter.ts';
import { salesRoster } from '../../src/conversations/sales-roster.ts';
import { applyTrackedFlags, buildTrackedUsers } from '../../src/conversations/tracked-users.ts';
import { getTranscript, type TranscriptDeps } from '../../src/conversations/transcripts.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { GoneError, NotFoundError, UpstreamError } from '../../src/errors.ts';
import { type FirefliesFake, makeFirefliesData, startFirefliesFake } from '../fakes/fireflies-fake.ts';
import { type GongFake, makeGongData, startGongFake } from '../fakes/gong-fake.ts';
import { adapterContext, collectSync } from '../helpers/adapter-context.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';
import { createWorkspace, writePages } from '../helpers/write-pages.ts';

describe('transcripts on demand, tracked flags, sales roster', () => {
  let t: TestDb;
  let ws: string;
  let gong: GongFake;
  let ff: FirefliesFake;
  let deps: TranscriptDeps;
  const idOf = async (sourceId: string) =>
    (
      await t.db.query<{ id: string }>(
        'SELECT id FROM conversations WHERE workspace_id = $1 AND source_id = $2',
        [ws, sourceId],
      )
    ).rows[0]!.id;

  before(async () => {
    t = await createTestDb();
    ws = await createWorkspace(t.db);
    gong = await startGongFake(makeGongData(3));
    ff = await startFirefliesFake(makeFirefliesData(2, (i) => i));
    const gongCtx = (metadata = {}) =>
      adapterContext(gongAdapter, {
        baseUrl: gong.url,
        credentials: { access_key: 'gong-key', access_key_secret: 'gong-secret' },
        metadata,
      });
    const ffCtx = (metadata = {}) =>
      adapterContext(firefliesAdapter, {
        baseUrl: ff.url,
        credentials: { api_key: ff.data.apiKey },
        metadata,
      });
    deps = {
      db: t.db,
      contextFor: async (_ws, name) => {
        if (name === 'gong') return gongCtx();
        if (name === 'fireflies') return ffCtx();
        throw new NotFoundError(`connection "${name}"`);
      },
    };
    const gMeta = (await gongAdapter.onConnected!(gongCtx())) as Record<string, unknown>;
    const gTracked = { ...gMeta, tracked_users: buildTrackedUsers(gMeta, ['gu1', 'gu2']) };
    const fMeta = (await firefliesAdapter.onConnected!(ffCtx())) as Record<string, unknown>;
    // The same rep as Gong's gu1, with different capitalisation.
    (fMeta.user_directory as any[])[1].email = 'REP1@acme.COM';
    const fTracked = { ...fMeta, tracked_users: buildTrackedUsers(fMeta, ['ff1']) };
    await writePages(t.db, ws, await collectSync(gongAdapter, gongCtx(gTracked)));
    await writePages(t.db, ws, await collectSync(firefliesAdapter, ffCtx(fTracked)));
    await t.db.query(
      `INSERT INTO connections (workspace_id, connector_name, metadata) VALUES ($1, 'gong', $2), ($1, 'fireflies', $3),
         ($1, 'hubspot', $4)`,
      [
        ws,
        JSON.stringify(gTracked),
        JSON.stringify(fTracked),
        JSON.stringify({
          user_directory: [{ source_user_id: 'own-9', email: 'Rep1@acme.com', name: 'Rep One' }],
        }),
      ],
    );
    await t.db.query(
      `INSERT INTO deals (workspace_id, source, source_id, name, owner_email, is_closed) VALUES
         ($1, 'hubspot', 'd1', 'A', 'rep1@ACME.com', false), ($1, 'hubspot', 'd2', 'B', 'rep1@acme.com', true),
         ($1, 'salesforce', 'd3', 'C', 'rep2@acme.com', false), ($1, 'hubspot', 'd4', 'D', 'someone@acme.com', false)`,
      [ws],
    );
  });
  after(async () => {
    await gong.close();
    await ff.close();
    await t.close();
  });

  test('first request fetches from the source and caches; the second is served from the database', async () => {
    const id = await idOf('call-2-1');
    const first = await getTranscript(deps, ws, id);
    assert.equal(first.cached, false);
    assert.equal(
      first.transcript.segments[0]!.speaker_name,
      'Rep 2',
      'speaker names filled from participants',
    );
    assert.equal(first.transcript.segments[1]!.speaker_name, 'Buyer');
    const before = gong.requests.length;
    const second = await getTranscript(deps, ws, id);
    assert.equal(second.cached, true);
    assert.deepEqual(second.transcript, first.transcript);
    assert.equal(gong.requests.length, before);
    const { rows } = await t.db.query(
      'SELECT transcript_status, transcript_fetched_at FROM conversations WHERE id = $1',
      [id],
    );
    assert.equal(rows[0]!.transcript_status, 'fetched');
    assert.ok(rows[0]!.transcript_fetched_at);
    const ffId = await idOf('ffm-1-0');
    assert.equal((await getTranscript(deps, ws, ffId)).transcript.segments[0]!.text, 'Welcome');
  });

  test('a transcript the source no longer has is a 410 GoneError, remembered as unavailable', async () => {
    gong.data.transcripts.delete('call-1-0');
    const id = await idOf('call-1-0');
    await assert.rejects(getTranscript(deps, ws, id), GoneError);
    const before = gong.requests.length;
    await assert.rejects(getTranscript(deps, ws, id), GoneError);
    assert.equal(gong.requests.length, before, 'not asked again');
    const { rows } = await t.db.query<any>('SELECT transcript_status FROM conversations WHERE id = $1', [id]);
    assert.equal(rows[0].transcript_status, 'unavailable');
    ff.data.sentences.delete('ffm-1-0');
    await assert.rejects(getTranscript(deps, ws, await idOf('ffm-1-0'), { refresh: true }), GoneError);
  });

  test('an upstream failure marks the status error and surfaces as UpstreamError; unknown ids are 404', async () => {
    gong.fault({ status: 500, times: 10, match: (r) => r.path === '/v2/calls/transcript' });
    const id = await idOf('call-2-0');
    await assert.rejects(getTranscript(deps, ws, id), UpstreamError);
    const { rows } = await t.db.query<any>('SELECT transcript_status FROM conversations WHERE id = $1', [id]);
    assert.equal(rows[0].transcript_status, 'error');
    gong.clearFaults();
    assert.equal(
      (await getTranscript(deps, ws, id)).cached,
      false,
      'an error is retried on the next request',
    );
    await assert.rejects(getTranscript(deps, ws, '00000000-0000-4000-8000-0000000000ff'), NotFoundError);
  });

  test('untracking marks conversations is_tracked=false (kept); re-tracking restores them', async () => {
    const flags = await withWorkspace(t.db, ws, (tx) =>
      applyTrackedFlags(tx, ws, 'gong', [{ source_user_id: 'gu2', email: 'rep2@acme.com' }]),
    );
    assert.deepEqual(flags, { tracked: 0, untracked: 1 });
    const { rows } = await t.db.query<{ source_id: string; is_tracked: boolean }>(
      `SELECT source_id, is_tracked FROM conversations WHERE workspace_id = $1 AND source = 'gong' ORDER BY source_id`,
      [ws],
    );
    assert.deepEqual(
      rows.map((r) => [r.source_id, r.is_tracked]),
      [
        ['call-1-0', false],
        ['call-2-0', true],
        ['call-2-1', true],
      ],
    );
    assert.deepEqual(
      await withWorkspace(t.db, ws, (tx) =>
        applyTrackedFlags(tx, ws, 'gong', [
          { source_user_id: 'gu1', email: null },
          { source_user_id: 'gu2', email: null },
        ]),
      ),
      { tracked: 1, untracked: 0 },
    );
  });

  test('rows without a source user id (imported, generated) follow their organizer email', async () => {
    await t.db.query(
      `INSERT INTO conversations (workspace_id, source, source_id, organizer_email) VALUES
         ($1, 'gong', 'imported-a', 'REP2@acme.com'), ($1, 'gong', 'imported-b', 'other@acme.com')`,
      [ws],
    );
    await withWorkspace(t.db, ws, (tx) =>
      applyTrackedFlags(tx, ws, 'gong', [{ source_user_id: 'gu2', email: 'Rep2@Acme.com' }]),
    );
    const { rows } = await t.db.query<{ source_id: string; is_tracked: boolean }>(
      `SELECT source_id, is_tracked FROM conversations WHERE workspace_id = $1 AND source_id LIKE 'imported-%'
       ORDER BY source_id`,
      [ws],
    );
    assert.deepEqual(
      rows.map((r) => r.is_tracked),
      [true, false],
    );
    await t.db.query(`DELETE FROM conversations WHERE workspace_id = $1 AND source_id LIKE 'imported-%'`, [
      ws,
    ]);
    await withWorkspace(t.db, ws, (tx) =>
      applyTrackedFlags(tx, ws, 'gong', [
        { source_user_id: 'gu1', email: null },
        { source_user_id: 'gu2', email: null },
      ]),
    );
  });

  test('the sales roster merges the same rep across Gong and Fireflies by email, case-insensitively, with CRM owners', async () => {
    const roster = await withWorkspace(t.db, ws, (tx) => salesRoster(tx, ws));
    assert.deepEqual(
      roster.map((r) => [r.email, r.tracked]),
      [
        ['rep1@acme.com', true],
        ['rep2@acme.com', true],
        ['someone@acme.com', false],
      ],
    );
    assert.deepEqual(roster[2]!.sources, [], 'a CRM owner no recorder tracks is listed, untracked');
    assert.deepEqual(roster[2]!.crm_owners, [
      { source: 'hubspot', source_user_id: null, name: null, deal_count: 1, open_deal_count: 1 },
    ]);
    const rep1 = roster[0]!;
    assert.deepEqual(
      rep1.sources.map((s) => [s.source, s.source_user_id]),
      [
        ['fireflies', 'ff1'],
        ['gong', 'gu1'],
      ],
    );
    assert.equal(rep1.title, 'AE');
    assert.deepEqual(rep1.crm_owners, [
      { source: 'hubspot', source_user_id: 'own-9', name: 'Rep One', deal_count: 2, open_deal_count: 1 },
    ]);
    assert.deepEqual(roster[1]!.crm_owners, [
      { source: 'salesforce', source_user_id: null, name: null, deal_count: 1, open_deal_count: 1 },
    ]);
  });

  test('with no conversation connector the roster lists every CRM owner, untracked, named from the directory', async () => {
    const other = await createWorkspace(t.db, 'crm only');
    await t.db.query(
      `INSERT INTO connections (workspace_id, connector_name, metadata) VALUES ($1, 'hubspot', $2)`,
      [
        other,
        JSON.stringify({
          user_directory: [
            { source_user_id: '7', email: 'Ana@crm.test', name: 'Ana Active' },
            { source_user_id: '8', email: 'former@crm.test', name: 'Former Rep', is_active: false },
          ],
        }),
      ],
    );
    await t.db.query(
      `INSERT INTO deals (workspace_id, source, source_id, name, owner_email, is_closed) VALUES
         ($1, 'hubspot', 'x1', 'A', 'ana@crm.test', false), ($1, 'hubspot', 'x2', 'B', 'former@crm.test', true)`,
      [other],
    );
    const roster = await withWorkspace(t.db, other, (tx) => salesRoster(tx, other));
    assert.deepEqual(
      roster.map((r) => [r.email, r.name, r.tracked, r.crm_owners[0]!.deal_count]),
      [
        ['ana@crm.test', 'Ana Active', false, 1],
        ['former@crm.test', 'Former Rep', false, 1],
      ],
    );
  });
});
