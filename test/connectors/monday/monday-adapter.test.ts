import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { UpstreamAuthError } from '../../../src/connectors/http-client.ts';
import { mondayAdapter } from '../../../src/connectors/monday/monday-adapter.ts';
import { UpstreamError, ValidationError } from '../../../src/errors.ts';
import { type MondayFake, mondayItem, startMondayFake } from '../../fakes/monday-fake.ts';
import { adapterContext, collectSync } from '../../helpers/adapter-context.ts';

describe('Monday.com adapter', () => {
  let monday: MondayFake;
  const ctx = (metadata: Record<string, unknown> = {}, token = monday.data.token) =>
    adapterContext(mondayAdapter, { baseUrl: monday.url, credentials: { api_token: token }, metadata });

  before(async () => {
    monday = await startMondayFake({
      token: 'monday-token-1',
      boards: [
        {
          id: '111',
          name: 'Sales tasks',
          items: [
            mondayItem('1', { status: 'Done', owner: 7, due: '2026-03-01' }),
            mondayItem('2'),
            mondayItem('3', { owner: 99 }),
          ],
        },
        { id: '222', name: 'Renewals', items: [mondayItem('4')] },
        { id: '333', name: 'Engineering', items: [mondayItem('5')] },
      ],
      users: [{ id: 7, email: 'Rep1@Acme.com', name: 'Rep One' }],
      pageSize: 2,
      complexityNext: 0,
    });
  });
  after(() => monday.close());
  beforeEach(() => {
    monday.requests.length = 0;
  });

  test('board selection is validated at connect time and required before a sync', async () => {
    const selection = await mondayAdapter.validateSelection!(ctx(), { board_ids: ['111', 222] });
    assert.deepEqual(selection, {
      boards: [
        { id: '111', name: 'Sales tasks' },
        { id: '222', name: 'Renewals' },
      ],
    });
    await assert.rejects(mondayAdapter.validateSelection!(ctx(), { board_ids: ['999'] }), ValidationError);
    await assert.rejects(mondayAdapter.validateSelection!(ctx(), { boards: 'all' }), ValidationError);
    assert.match(mondayAdapter.readyToSync!({}) ?? '', /board_ids/);
    assert.equal(mondayAdapter.readyToSync!({ selection }), null);
  });

  test('items of selected boards only, with items_page/next_items_page cursors, into tasks', async () => {
    const metadata = {
      selection: {
        boards: [
          { id: '111', name: 'Sales tasks' },
          { id: '222', name: 'Renewals' },
        ],
      },
    };
    const pages = await collectSync(mondayAdapter, ctx(metadata));
    const rows = pages.flatMap((p) => p.records?.tasks ?? []).map((r) => r.row);
    assert.deepEqual(
      rows.map((r) => r.source_id),
      ['1', '2', '3', '4'],
    );
    const queries = monday.requests.map((r) => (r.body as any).query as string);
    assert.equal(queries.filter((q) => q.includes('next_items_page')).length, 1);
    assert.ok(
      monday.requests.every((r) => !JSON.stringify(r.body).includes('333')),
      'unselected board never read',
    );
    assert.equal(monday.requests[0]!.headers['api-version'], '2024-10');
    const done = rows[0]!;
    assert.equal(done.status, 'Done');
    assert.equal(done.is_completed, true);
    assert.equal(done.owner_email, 'rep1@acme.com');
    assert.equal(done.due_date, '2026-03-01');
    assert.equal(done.board, 'Sales tasks');
    assert.equal(done.group_name, 'This week');
    assert.equal((done.custom_fields as any).columns.text0, 'Acme renewal');
    assert.equal(rows[1]!.is_completed, false);
    assert.equal(rows[1]!.due_date, null);
    assert.equal(rows[2]!.owner_email, null, 'a person we cannot resolve leaves the owner empty');
    assert.deepEqual(pages.at(-1)!.cursor, { board: 2, items: null });
  });

  test('complexity errors (HTTP 200) are retried like a 429; a bad token is an auth error', async () => {
    monday.data.complexityNext = 2;
    const pages = await collectSync(
      mondayAdapter,
      ctx({ selection: { boards: [{ id: '222', name: 'Renewals' }] } }),
    );
    assert.equal(pages.flatMap((p) => p.records?.tasks ?? []).length, 1);
    await assert.rejects(mondayAdapter.testConnection(ctx({}, 'expired-token')), UpstreamAuthError);
  });

  test('malformed items payload is an UpstreamError', async () => {
    monday.fault({ status: 200, body: '{"data": {"users": []}}' });
    monday.fault({ status: 200, body: '{"data": {"boards": [{"id": 5}]}}' });
    await assert.rejects(
      collectSync(mondayAdapter, ctx({ selection: { boards: [{ id: '222', name: 'Renewals' }] } })),
      (err: unknown) => err instanceof UpstreamError && /unexpected items payload/.test(err.message),
    );
  });
});
