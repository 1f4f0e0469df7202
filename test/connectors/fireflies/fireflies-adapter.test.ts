import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { firefliesAdapter } from '../../../src/connectors/fireflies/fireflies-adapter.ts';
import { UpstreamAuthError } from '../../../src/connectors/http-client.ts';
import { buildTrackedUsers } from '../../../src/conversations/tracked-users.ts';
import { UpstreamError } from '../../../src/errors.ts';
import { type FirefliesFake, makeFirefliesData, startFirefliesFake } from '../../fakes/fireflies-fake.ts';
import { adapterContext, collectSync } from '../../helpers/adapter-context.ts';
import { createTestDb, type TestDb } from '../../helpers/test-db.ts';
import { createWorkspace, writePages } from '../../helpers/write-pages.ts';

describe('Fireflies adapter', () => {
  let ff: FirefliesFake;
  let t: TestDb;
  let ws: string;
  const ctx = (metadata: Record<string, unknown> = {}, apiKey = ff.data.apiKey) =>
    adapterContext(firefliesAdapter, { baseUrl: ff.url, credentials: { api_key: apiKey }, metadata });
  const transcriptRequests = () =>
    ff.requests.filter((r) => /transcripts\s*\(/.test((r.body as any)?.query ?? ''));

  before(async () => {
    // ff0: no meetings, ff1: 1, ff2: 60 (two pages of 50), ff3: 2 (never tracked).
    ff = await startFirefliesFake(makeFirefliesData(4, (i) => [0, 1, 60, 2][i]!));
    t = await createTestDb();
    ws = await createWorkspace(t.db);
  });
  after(async () => {
    await ff.close();
    await t.close();
  });
  beforeEach(() => {
    ff.requests.length = 0;
    ff.data.rateLimitNext = 0;
  });

  async function metadataTracking(ids: string[]) {
    const meta = (await firefliesAdapter.onConnected!(ctx())) as Record<string, unknown>;
    return { ...meta, tracked_users: buildTrackedUsers(meta, ids) };
  }

  test('onConnected stores the users directory; readyToSync waits for a selection', async () => {
    const meta = (await firefliesAdapter.onConnected!(ctx())) as { user_directory: unknown[] };
    assert.equal(meta.user_directory.length, 4);
    assert.deepEqual(meta.user_directory[2], {
      source_user_id: 'ff2',
      email: 'rep2@acme.com',
      name: 'Rep 2',
      title: null,
    });
    assert.ok(firefliesAdapter.readyToSync!(meta));
    assert.equal(firefliesAdapter.readyToSync!(await metadataTracking(['ff1'])), null);
  });

  test("only tracked organizers are queried; skip paging; zero meetings; untracked user's meetings never requested", async () => {
    const metadata = await metadataTracking(['ff0', 'ff1', 'ff2']);
    ff.requests.length = 0;
    const pages = await collectSync(firefliesAdapter, ctx(metadata));
    const asked = transcriptRequests().map((r) => (r.body as any).variables);
    assert.ok(asked.every((v) => v.organizer !== 'rep3@acme.com'));
    assert.deepEqual(
      asked.map((v) => [v.organizer, v.skip, v.limit]),
      [
        ['rep0@acme.com', 0, 50],
        ['rep1@acme.com', 0, 50],
        ['rep2@acme.com', 0, 50],
        ['rep2@acme.com', 50, 50],
      ],
    );
    const rows = pages.flatMap((p) => p.records?.conversations ?? []).map((r) => r.row);
    assert.equal(rows.length, 61);
    const m = rows.find((r) => r.source_id === 'ffm-1-0')!;
    assert.equal(m.duration_seconds, 1830);
    assert.equal(m.started_at, '2026-01-01T09:00:00.000Z');
    assert.equal(m.organizer_email, 'rep1@acme.com');
    assert.deepEqual(m.action_items, ['Send pricing', 'Book follow-up']);
    assert.deepEqual(
      (m.participants as any[]).map((p) => [p.email, p.name, p.affiliation]),
      [
        ['rep1@acme.com', 'Rep 1', 'internal'],
        ['buyer0@customer.io', 'Buyer', 'unknown'],
      ],
    );
    assert.deepEqual(m.topics, [
      { name: 'pricing', type: 'keyword' },
      { name: 'pilot', type: 'keyword' },
    ]);
    const counts = await writePages(t.db, ws, pages);
    assert.equal(counts.conversations?.inserted, 61);
  });

  test('a meeting returned for two tracked organizers is stored once', async () => {
    ff.data.alsoFor.set('rep0@acme.com', ['ffm-1-0']);
    const pages = await collectSync(firefliesAdapter, ctx(await metadataTracking(['ff0', 'ff1'])));
    const ids = pages.flatMap((p) => p.records?.conversations ?? []).map((r) => r.row.source_id);
    assert.deepEqual(ids, ['ffm-1-0', 'ffm-1-0']);
    await writePages(t.db, ws, pages);
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM conversations WHERE workspace_id = $1 AND source_id = 'ffm-1-0'`,
      [ws],
    );
    assert.equal(rows[0]!.n, 1);
    ff.data.alsoFor.clear();
  });

  test('incremental runs pass fromDate per user', async () => {
    const metadata = await metadataTracking(['ff1']);
    const first = await collectSync(firefliesAdapter, ctx(metadata));
    ff.requests.length = 0;
    await collectSync(firefliesAdapter, ctx(metadata), { mode: 'incremental', cursor: first.at(-1)!.cursor });
    assert.ok((transcriptRequests()[0]!.body as any).variables.fromDate);
  });

  test('GraphQL errors with HTTP 200: too_many_requests is retried, invalid_api_key is an auth error', async () => {
    ff.data.rateLimitNext = 2;
    const metadata = await metadataTracking(['ff1']);
    const pages = await collectSync(firefliesAdapter, ctx(metadata));
    assert.equal(pages.flatMap((p) => p.records?.conversations ?? []).length, 1);
    await assert.rejects(collectSync(firefliesAdapter, ctx(metadata, 'expired-key-000')), UpstreamAuthError);
    await assert.rejects(firefliesAdapter.testConnection(ctx({}, 'expired-key-000')), UpstreamAuthError);
  });

  test('malformed bodies are UpstreamErrors', async () => {
    const metadata = await metadataTracking(['ff1']);
    ff.fault({ status: 200, body: '{"data": {"transcripts": [{"id": 7}]}}' });
    await assert.rejects(collectSync(firefliesAdapter, ctx(metadata)), /unexpected transcripts payload/);
    ff.fault({ status: 200, body: '<html>oops' });
    await assert.rejects(collectSync(firefliesAdapter, ctx(metadata)), UpstreamError);
  });

  test('fetchTranscript: sentences on demand, null when Fireflies no longer has it', async () => {
    const tr = await firefliesAdapter.fetchTranscript!(ctx(), 'ffm-1-0');
    assert.deepEqual(tr!.segments[0], {
      speaker_id: '0',
      speaker_name: 'Rep 1',
      start: 0.5,
      end: 1.2,
      text: 'Welcome',
    });
    assert.equal(await firefliesAdapter.fetchTranscript!(ctx(), 'deleted-meeting'), null);
    ff.data.rateLimitNext = 1;
    assert.ok(await firefliesAdapter.fetchTranscript!(ctx(), 'ffm-1-0'));
  });
});
