import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { gongAdapter } from '../../../src/connectors/gong/gong-adapter.ts';
import { UpstreamAuthError } from '../../../src/connectors/http-client.ts';
import { buildTrackedUsers } from '../../../src/conversations/tracked-users.ts';
import { UpstreamError } from '../../../src/errors.ts';
import { type GongFake, makeGongData, startGongFake } from '../../fakes/gong-fake.ts';
import { adapterContext, collectSync } from '../../helpers/adapter-context.ts';
import { createTestDb, type TestDb } from '../../helpers/test-db.ts';
import { createWorkspace, writePages } from '../../helpers/write-pages.ts';

describe('Gong adapter', () => {
  let gong: GongFake;
  let t: TestDb;
  let ws: string;
  const creds = () => ({ access_key: gong.data.accessKey, access_key_secret: gong.data.secret });
  const ctx = (metadata: Record<string, unknown> = {}) =>
    adapterContext(gongAdapter, { baseUrl: gong.url, credentials: creds(), metadata });
  const callRequests = () => gong.requests.filter((r) => r.path === '/v2/calls/extensive');

  before(async () => {
    gong = await startGongFake(makeGongData(5));
    // A call whose parties carry no email at all.
    gong.data.calls.push({
      metaData: {
        id: 'call-noemail',
        url: 'u',
        title: 'Dial-in',
        started: '2026-02-01T10:00:00Z',
        duration: 60,
        primaryUserId: 'gu2',
      },
      parties: [
        { name: 'Caller 1', affiliation: 'Unknown', speakerId: 'x1' },
        { name: null, speakerId: 'x2' },
      ],
    });
    t = await createTestDb();
    ws = await createWorkspace(t.db);
  });
  after(async () => {
    await gong.close();
    await t.close();
  });
  beforeEach(() => {
    gong.requests.length = 0;
    gong.clearFaults();
  });

  async function connectedMetadata(trackIds: string[]) {
    const meta = (await gongAdapter.onConnected!(ctx())) as Record<string, unknown>;
    return { ...meta, tracked_users: buildTrackedUsers(meta, trackIds) };
  }

  test('onConnected stores the whole user directory across cursor pages', async () => {
    const meta = (await gongAdapter.onConnected!(ctx())) as {
      user_directory: Array<Record<string, unknown>>;
    };
    assert.equal(meta.user_directory.length, 5);
    assert.deepEqual(meta.user_directory[1], {
      source_user_id: 'gu1',
      email: 'rep1@acme.com',
      name: 'Rep 1',
      title: 'AE',
      is_active: true,
    });
    assert.equal(gong.requests.filter((r) => r.path === '/v2/users').length, 3);
    assert.equal(gong.requests[1]!.query.cursor, 'c2');
  });

  test('readyToSync refuses until tracked users are chosen', async () => {
    assert.match(gongAdapter.readyToSync!({}) ?? '', /tracked-users/);
    assert.match(gongAdapter.readyToSync!({ tracked_users: [] }) ?? '', /choose/);
    assert.equal(gongAdapter.readyToSync!(await connectedMetadata(['gu1'])), null);
  });

  test("syncs only tracked users' calls, pages with records.cursor, a user with zero calls is fine", async () => {
    const metadata = await connectedMetadata(['gu0', 'gu2', 'gu3']);
    gong.requests.length = 0;
    const pages = await collectSync(gongAdapter, ctx(metadata));
    const requested = callRequests().flatMap((r) => (r.body as any).filter.primaryUserIds);
    assert.ok(!requested.includes('gu1') && !requested.includes('gu4'), 'untracked users never requested');
    assert.deepEqual([...new Set(requested)].sort(), ['gu0', 'gu2', 'gu3']);
    for (const r of callRequests()) assert.equal((r.body as any).filter.primaryUserIds.length, 1);
    // gu3 has 3 calls over 2 pages: the second request carries the cursor.
    const gu3 = callRequests().filter((r) => (r.body as any).filter.primaryUserIds[0] === 'gu3');
    assert.deepEqual(
      gu3.map((r) => (r.body as any).cursor),
      [undefined, 'c2'],
    );
    assert.equal((gu3[0]!.body as any).contentSelector.context, 'Extended');
    const rows = pages.flatMap((p) => p.records?.conversations ?? []).map((r) => r.row);
    assert.equal(rows.length, 6); // gu2: 2 + dial-in, gu3: 3
    const last = pages.at(-1)!;
    assert.equal(last.cursor.run_started, undefined);
    assert.deepEqual(Object.keys((last.cursor as any).users).sort(), ['gu0', 'gu2', 'gu3']);

    const call = rows.find((r) => r.source_id === 'call-3-0')!;
    assert.equal(call.organizer_email, 'rep3@acme.com');
    assert.equal(call.duration_seconds, 1800);
    assert.deepEqual(call.crm_context, {
      objects: [
        { system: 'salesforce', object_type: 'opportunity', object_id: '006A' },
        { system: 'salesforce', object_type: 'account', object_id: '001A' },
      ],
    });
    assert.deepEqual((call.participants as any[])[1], {
      name: 'Buyer',
      email: 'buyer@customer.io',
      affiliation: 'external',
      speaker_id: 's-b',
      user_id: null,
      title: null,
    });
    assert.deepEqual(call.action_items, ['Send the proposal']);
    assert.equal(call.summary, 'They want a pilot.');
    assert.deepEqual((call.custom_fields as any).source_user_id, 'gu3');
    const dial = rows.find((r) => r.source_id === 'call-noemail')!;
    assert.deepEqual(
      (dial.participants as any[]).map((p) => [p.email, p.affiliation]),
      [
        [null, 'unknown'],
        [null, 'unknown'],
      ],
    );

    const counts = await writePages(t.db, ws, pages);
    assert.equal(counts.conversations?.inserted, 6);
  });

  test('the next run is incremental per user; a newly tracked user starts from the beginning', async () => {
    const metadata = await connectedMetadata(['gu2']);
    const first = await collectSync(gongAdapter, ctx(metadata));
    const cursor = first.at(-1)!.cursor;
    const later = new Date(Date.now() + 1000);
    const widened = {
      ...metadata,
      tracked_users: [...(metadata.tracked_users as any[]), ...buildTrackedUsers(metadata, ['gu4'], later)],
    };
    gong.requests.length = 0;
    await collectSync(gongAdapter, ctx(widened), { mode: 'incremental', cursor });
    const byUser = Object.fromEntries(
      callRequests().map((r) => [
        (r.body as any).filter.primaryUserIds[0],
        (r.body as any).filter.fromDateTime,
      ]),
    );
    assert.ok(byUser.gu2, 'the known user continues from its own watermark');
    assert.equal(byUser.gu4, undefined, 'the new user is read from the start');
  });

  test('an interrupted run resumes at the user and page it stopped at', async () => {
    const metadata = await connectedMetadata(['gu3', 'gu4']);
    const gen = gongAdapter.sync(ctx(metadata), { mode: 'incremental', cursor: {} });
    const firstPage = (await gen.next()).value!;
    await gen.return(undefined);
    gong.requests.length = 0;
    await collectSync(gongAdapter, ctx(metadata), { mode: 'incremental', cursor: firstPage.cursor });
    const first = callRequests()[0]!.body as any;
    assert.equal(first.filter.primaryUserIds[0], 'gu3');
    assert.equal(first.cursor, 'c2');
  });

  test('duplicate calls across two tracked users are stored once', async () => {
    const dup = structuredClone(gong.data.calls.find((c) => c.metaData.id === 'call-1-0')!);
    dup.metaData.primaryUserId = 'gu4';
    gong.data.calls.push(dup);
    const metadata = await connectedMetadata(['gu1', 'gu4']);
    const pages = await collectSync(gongAdapter, ctx(metadata));
    const ids = pages.flatMap((p) => p.records?.conversations ?? []).map((r) => r.row.source_id);
    assert.equal(ids.filter((id) => id === 'call-1-0').length, 2);
    await writePages(t.db, ws, pages);
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM conversations WHERE workspace_id = $1 AND source_id = 'call-1-0'`,
      [ws],
    );
    assert.equal(rows[0]!.n, 1);
    gong.data.calls.pop();
  });

  test('429 with Retry-After is retried; 401 is an auth error; a malformed body is an UpstreamError', async () => {
    const metadata = await connectedMetadata(['gu1']);
    gong.fault({
      status: 429,
      headers: { 'retry-after': '0' },
      match: (r) => r.path === '/v2/calls/extensive',
    });
    const pages = await collectSync(gongAdapter, ctx(metadata));
    assert.equal(pages.flatMap((p) => p.records?.conversations ?? []).length, 1);
    assert.equal(callRequests().length, 2);

    const bad = adapterContext(gongAdapter, {
      baseUrl: gong.url,
      credentials: { access_key: 'x', access_key_secret: 'expired' },
      metadata,
    });
    await assert.rejects(collectSync(gongAdapter, bad), UpstreamAuthError);
    await assert.rejects(gongAdapter.testConnection(bad), UpstreamAuthError);

    gong.fault({
      status: 200,
      body: '{"calls": [{"metaData": {"title": 5}}]}',
      match: (r) => r.path === '/v2/calls/extensive',
    });
    await assert.rejects(collectSync(gongAdapter, ctx(metadata)), (err: unknown) => {
      assert.ok(err instanceof UpstreamError && !(err instanceof UpstreamAuthError));
      assert.match(err.message, /unexpected calls payload/);
      return true;
    });
    gong.fault({ status: 200, body: '{"calls": [', match: (r) => r.path === '/v2/calls/extensive' });
    await assert.rejects(collectSync(gongAdapter, ctx(metadata)), UpstreamError);
  });

  test('fetchTranscript returns segments in seconds; a missing transcript is null', async () => {
    const t1 = await gongAdapter.fetchTranscript!(ctx(), 'call-2-0');
    assert.deepEqual(t1!.segments[1], {
      speaker_id: 's-b',
      speaker_name: null,
      start: 1.5,
      end: 4,
      text: 'Hi, thanks for having us',
      topic: null,
    });
    assert.deepEqual((gong.requests.at(-1)!.body as any).filter, { callIds: ['call-2-0'] });
    assert.equal(await gongAdapter.fetchTranscript!(ctx(), 'call-gone'), null);
  });
});
