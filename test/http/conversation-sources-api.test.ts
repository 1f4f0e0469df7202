import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type DriveFake, startDriveFake } from '../fakes/gdrive-fake.ts';
import { type FirefliesFake, makeFirefliesData, startFirefliesFake } from '../fakes/fireflies-fake.ts';
import { type GongFake, makeGongData, startGongFake } from '../fakes/gong-fake.ts';
import { type MondayFake, mondayItem, startMondayFake } from '../fakes/monday-fake.ts';
import { type ConnectorApp, startConnectorApp } from '../helpers/connector-app.ts';

describe('conversation and document sources over HTTP', () => {
  let app: ConnectorApp;
  let gong: GongFake;
  let ff: FirefliesFake;
  let monday: MondayFake;
  let drive: DriveFake;
  const q = async <T = any>(sql: string, params: string[] = []) =>
    (await app.t.db.query<T>(sql, [app.workspaceId, ...params])).rows;
  const waitSync = async (id: string) => {
    await app.deps.queue.idle();
    return (await app.api('GET', `/sync-log/${id}`)).body;
  };
  const gongCallUsers = () =>
    gong.requests.filter((r) => r.path === '/v2/calls/extensive').map((r) => (r.body as any).filter);

  before(async () => {
    app = await startConnectorApp();
    gong = await startGongFake(makeGongData(4));
    ff = await startFirefliesFake(makeFirefliesData(3, (i) => i));
    monday = await startMondayFake({
      token: 'monday-token-1',
      boards: [
        { id: '111', name: 'Sales tasks', items: [mondayItem('1', { status: 'Done' }), mondayItem('2')] },
      ],
      users: [],
      pageSize: 50,
      complexityNext: 0,
    });
    drive = await startDriveFake({
      token: 'drive-token-123',
      pageSize: 50,
      files: [
        {
          id: 'fold-clients',
          name: 'Clients',
          mimeType: 'application/vnd.google-apps.folder',
          parents: ['root'],
          modifiedTime: '2026-01-01T00:00:00Z',
        },
        {
          id: 'doc-acme',
          name: 'Acme - plan',
          mimeType: 'application/vnd.google-apps.document',
          parents: ['fold-clients'],
          modifiedTime: '2026-01-02T00:00:00Z',
          content: 'Plan',
        },
      ],
    });
  });
  after(async () => {
    await app.close();
    await Promise.all([gong.close(), ff.close(), monday.close(), drive.close()]);
  });

  test('Gong: connect stores the directory and starts no sync; a sync before selection is 409', async () => {
    const bad = await app.api('POST', '/connectors/gong/connect', {
      credentials: { access_key: 'nope', access_key_secret: 'expired' },
      base_url: gong.url,
    });
    assert.equal(bad.status, 400);
    const res = await app.api('POST', '/connectors/gong/connect', {
      credentials: { access_key: 'gong-key', access_key_secret: 'gong-secret' },
      base_url: gong.url,
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.sync_log_id, null);
    assert.match(res.body.next_step ?? '', /tracked-users/);
    const users = await app.api('GET', '/connectors/gong/users');
    assert.equal(users.status, 200);
    assert.equal(users.body.data.length, 4);
    assert.deepEqual(users.body.data[1], {
      source_user_id: 'gu1',
      email: 'rep1@acme.com',
      name: 'Rep 1',
      title: 'AE',
      is_active: true,
      tracked: false,
    });
    const sync = await app.api('POST', '/connectors/gong/sync', {});
    assert.equal(sync.status, 409);
    assert.equal(sync.body.error.code, 'conflict');
    assert.match(sync.body.error.message, /PUT \/connectors\/gong\/tracked-users/);
    assert.equal(gongCallUsers().length, 0);
  });

  test('choosing tracked users syncs only their calls', async () => {
    const unknown = await app.api('PUT', '/connectors/gong/tracked-users', { user_ids: ['gu1', 'ghost'] });
    assert.equal(unknown.status, 400);
    const res = await app.api('PUT', '/connectors/gong/tracked-users', { user_ids: ['gu1', 'gu2'] });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.newly_tracked, ['gu1', 'gu2']);
    const log = await waitSync(res.body.sync_log_id);
    assert.equal(log.status, 'succeeded', log.error);
    assert.equal(log.counts.conversations.inserted, 3);
    assert.deepEqual([...new Set(gongCallUsers().map((f) => f.primaryUserIds[0]))].sort(), ['gu1', 'gu2']);
    const users = await app.api('GET', '/connectors/gong/users');
    assert.equal(users.body.tracked_count, 2);
  });

  test('changing the selection: the new user syncs from the start, the dropped one is kept but untracked', async () => {
    gong.requests.length = 0;
    const res = await app.api('PUT', '/connectors/gong/tracked-users', { user_ids: ['gu2', 'gu3'] });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.newly_tracked, ['gu3']);
    assert.deepEqual(res.body.conversations, { marked_tracked: 0, marked_untracked: 1 });
    const log = await waitSync(res.body.sync_log_id);
    assert.equal(log.status, 'succeeded', log.error);
    const filters = gongCallUsers();
    assert.ok(filters.every((f) => f.primaryUserIds[0] !== 'gu1'));
    assert.equal(filters.find((f) => f.primaryUserIds[0] === 'gu3')!.fromDateTime, undefined);
    assert.ok(filters.find((f) => f.primaryUserIds[0] === 'gu2')!.fromDateTime);
    const rows = await q<{ source_id: string; is_tracked: boolean }>(
      `SELECT source_id, is_tracked FROM conversations WHERE workspace_id = $1 AND source = 'gong' ORDER BY source_id`,
    );
    assert.deepEqual(
      rows.map((r) => [r.source_id, r.is_tracked]),
      [
        ['call-1-0', false],
        ['call-2-0', true],
        ['call-2-1', true],
        ['call-3-0', true],
        ['call-3-1', true],
        ['call-3-2', true],
      ],
    );
  });

  test('transcripts on demand: fetched, cached, 410 when gone, 404 for unknown conversations', async () => {
    const id = (
      await q<{ id: string }>(
        `SELECT id FROM conversations WHERE workspace_id = $1 AND source_id = 'call-3-0'`,
      )
    )[0]!.id;
    const first = await app.api('GET', `/conversations/${id}/transcript`);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.cached, false);
    assert.equal(first.body.transcript.segments[0].speaker_name, 'Rep 3');
    assert.equal((await app.api('GET', `/conversations/${id}/transcript`)).body.cached, true);
    const goneId = (
      await q<{ id: string }>(
        `SELECT id FROM conversations WHERE workspace_id = $1 AND source_id = 'call-3-1'`,
      )
    )[0]!.id;
    gong.data.transcripts.delete('call-3-1');
    const gone = await app.api('GET', `/conversations/${goneId}/transcript`);
    assert.equal(gone.status, 410);
    assert.equal(gone.body.error.code, 'gone');
    assert.equal(
      (await app.api('GET', '/conversations/00000000-0000-4000-8000-000000000000/transcript')).status,
      404,
    );
    assert.equal((await app.api('GET', '/conversations/not-a-uuid/transcript')).status, 400);
  });

  test('Fireflies joins the sales roster: the same rep merged across sources by email, any capitalisation', async () => {
    ff.data.users[2]!.email = 'REP2@Acme.COM';
    const res = await app.api('POST', '/connectors/fireflies/connect', {
      credentials: { api_key: ff.data.apiKey },
      base_url: ff.url,
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.sync_log_id, null);
    const put = await app.api('PUT', '/connectors/fireflies/tracked-users', { user_ids: ['ff2'] });
    assert.equal(put.status, 200, put.text);
    assert.equal((await waitSync(put.body.sync_log_id)).status, 'succeeded');
    const roster = await app.api('GET', '/sales-roster');
    assert.equal(roster.status, 200);
    const rep2 = roster.body.data.find((r: any) => r.email === 'rep2@acme.com');
    assert.deepEqual(
      rep2.sources.map((s: any) => [s.source, s.source_user_id]),
      [
        ['fireflies', 'ff2'],
        ['gong', 'gu2'],
      ],
    );
    assert.deepEqual(
      roster.body.data.map((r: any) => r.email),
      ['rep2@acme.com', 'rep3@acme.com'],
    );
  });

  test('users and tracked-users are only for conversation connectors', async () => {
    assert.equal((await app.api('GET', '/connectors/monday/users')).status, 404);
    assert.equal((await app.api('PUT', '/connectors/hubspot/tracked-users', { user_ids: [] })).status, 404);
  });

  test('Monday: boards chosen at connect; Drive: folders chosen at connect, content on demand', async () => {
    const noBoards = await app.api('POST', '/connectors/monday/connect', {
      credentials: { api_token: 'monday-token-1' },
      base_url: monday.url,
      metadata: { selection: { board_ids: ['999'] } },
    });
    assert.equal(noBoards.status, 400);
    const m = await app.api('POST', '/connectors/monday/connect', {
      credentials: { api_token: 'monday-token-1' },
      base_url: monday.url,
      metadata: { selection: { board_ids: ['111'] } },
    });
    assert.equal(m.status, 201, m.text);
    const mLog = await waitSync(m.body.sync_log_id);
    assert.equal(mLog.status, 'succeeded', mLog.error);
    assert.equal(mLog.counts.tasks.inserted, 2);

    const d = await app.api('POST', '/connectors/gdrive/connect', {
      credentials: { access_token: 'drive-token-123' },
      base_url: drive.url,
      metadata: { selection: { folder_ids: ['fold-clients'] } },
    });
    assert.equal(d.status, 201, d.text);
    assert.equal((await waitSync(d.body.sync_log_id)).status, 'succeeded');
    const id = (
      await q<{ id: string }>(`SELECT id FROM documents WHERE workspace_id = $1 AND source_id = 'doc-acme'`)
    )[0]!.id;
    const content = await app.api('GET', `/documents/${id}/content`);
    assert.equal(content.status, 200, content.text);
    assert.equal(content.body.content, 'Plan (as text/plain)');
    assert.equal((await app.api('GET', `/documents/${id}/content`)).body.cached, true);
  });

  test('an expired token during a sync marks the connection auth_failed', async () => {
    gong.data.secret = 'rotated';
    const res = await app.api('POST', '/connectors/gong/sync', {});
    assert.equal(res.status, 202, res.text);
    const log = await waitSync(res.body.sync_log_id);
    assert.equal(log.status, 'failed');
    const [conn] = await q<{ status: string }>(
      `SELECT status FROM connections WHERE workspace_id = $1 AND connector_name = 'gong'`,
    );
    assert.equal(conn!.status, 'auth_failed');
    gong.data.secret = 'gong-secret';
  });
});
