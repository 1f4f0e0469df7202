import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { CWD_SORTS, listConversationsWithoutDeals } from '../../src/linker/conversations-without-deals.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';

// Calls without a deal on each side of the bounds of since=2026-03-01&until=2026-03-31, one second apart
// (midnight where the session's time zone says, as the bounds are dates), and one without a start.
const CALLS: [string, string | null, boolean][] = [
  ['before since', `'2026-03-01'::timestamptz - interval '1 second'`, false],
  ['at since', `'2026-03-01'::timestamptz`, true],
  ['mid range', `'2026-03-15 12:00'::timestamptz`, true],
  ['last second of until', `'2026-04-01'::timestamptz - interval '1 second'`, true],
  ['day after until', `'2026-04-01'::timestamptz`, false],
  ['no start', null, false],
];

describe('conversations without deals between two dates', () => {
  let t: TestDb;
  let ws: string;
  before(async () => {
    t = await createTestDb();
    ws = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'bounds' }))).id;
    const account = (
      await t.db.query<{ id: string }>(
        `INSERT INTO accounts (workspace_id, source, source_id, name, domain)
         VALUES ($1::uuid, 'hubspot', 'a1', 'Initech', 'initech.com') RETURNING id`,
        [ws],
      )
    ).rows[0]!.id;
    for (const [title, startedAt] of CALLS) {
      await t.db.query(
        `INSERT INTO conversations (workspace_id, source, source_id, title, started_at, duration_seconds,
                                    is_internal, account_id, link_method)
         VALUES ($1::uuid, 'gong', $2, $2, ${startedAt ?? 'NULL'}, 1800, FALSE, $3::uuid, 'domain_match')`,
        [ws, title, account],
      );
    }
  });
  after(() => t.close());

  test('since and until include their whole days and nothing else, in every sort', async () => {
    const expected = CALLS.filter(([, , inside]) => inside)
      .map(([title]) => title)
      .sort();
    for (const sort of CWD_SORTS) {
      const titles: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await withWorkspace(t.db, ws, (q) =>
          listConversationsWithoutDeals(q, ws, {
            sort,
            limit: 1,
            since: '2026-03-01',
            until: '2026-03-31',
            cursor,
          }),
        );
        titles.push(...page.data.map((d) => d.title ?? ''));
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      assert.deepEqual(titles.sort(), expected, sort);
    }
    const unbounded = await withWorkspace(t.db, ws, (q) =>
      listConversationsWithoutDeals(q, ws, { sort: '-started_at', limit: 50 }),
    );
    assert.equal(
      unbounded.data.length,
      CALLS.length,
      'without bounds every call, the one without a start too',
    );
  });
});
