/**
 * A fake Monday.com GraphQL endpoint (POST /v2): `me`, `boards(ids)` with `items_page`, `next_items_page`
 * cursors, `users`. Token in the Authorization header (401 otherwise); `complexityNext` answers with a
 * ComplexityException in errors[] and HTTP 200.
 */
import { type FakeServer, startFakeServer } from './fake-server.ts';

export interface MondayFakeData {
  token: string;
  boards: Array<{ id: string; name: string; items: Array<Record<string, unknown>> }>;
  users: Array<{ id: number; email: string; name: string }>;
  pageSize: number;
  complexityNext: number;
}

export type MondayFake = FakeServer & { data: MondayFakeData };

export async function startMondayFake(data: MondayFakeData): Promise<MondayFake> {
  const cursors = new Map<string, { board: string; offset: number }>();
  let seq = 0;
  const page = (boardId: string, offset: number, limit: number) => {
    const board = data.boards.find((b) => b.id === boardId)!;
    const size = Math.min(limit, data.pageSize);
    const items = board.items.slice(offset, offset + size);
    let cursor: string | null = null;
    if (offset + size < board.items.length) {
      cursor = `cur-${++seq}`;
      cursors.set(cursor, { board: boardId, offset: offset + size });
    }
    return { cursor, items };
  };
  const fake = await startFakeServer((req) => {
    if (req.method !== 'POST' || req.path !== '/v2') return { status: 404, json: {} };
    if (req.headers.authorization !== data.token)
      return { status: 401, json: { errors: [{ message: 'Not Authenticated' }] } };
    if (data.complexityNext > 0) {
      data.complexityNext--;
      return {
        json: {
          errors: [
            {
              message: 'Complexity budget exhausted',
              extensions: { code: 'ComplexityException', retry_in_seconds: 1 },
            },
          ],
          account_id: 1,
        },
      };
    }
    const { query, variables = {} } = req.body as { query: string; variables?: Record<string, any> };
    if (query.includes('next_items_page')) {
      const c = cursors.get(variables.cursor);
      if (!c)
        return {
          json: { errors: [{ message: 'cursor expired', extensions: { code: 'CursorExpiredError' } }] },
        };
      return { json: { data: { next_items_page: page(c.board, c.offset, variables.limit) } } };
    }
    if (query.includes('items_page')) {
      const ids: string[] = variables.board ?? [];
      const boards = data.boards
        .filter((b) => ids.includes(b.id))
        .map((b) => ({ id: b.id, name: b.name, items_page: page(b.id, 0, variables.limit) }));
      return { json: { data: { boards } } };
    }
    if (query.includes('boards')) {
      const ids: string[] = variables.ids ?? [];
      return {
        json: {
          data: {
            boards: data.boards.filter((b) => ids.includes(b.id)).map(({ id, name }) => ({ id, name })),
          },
        },
      };
    }
    if (query.includes('users')) return { json: { data: { users: variables.page === 1 ? data.users : [] } } };
    if (query.includes('me')) return { json: { data: { me: { id: 1, email: 'admin@acme.com' } } } };
    return { json: { errors: [{ message: 'unknown query' }] } };
  });
  return Object.assign(fake, { data });
}

export function mondayItem(
  id: string,
  opts: { status?: string; owner?: number; due?: string; group?: string } = {},
) {
  return {
    id,
    name: `Task ${id}`,
    state: 'active',
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-02T00:00:00Z',
    group: { id: 'g1', title: opts.group ?? 'This week' },
    column_values: [
      { id: 'status', type: 'status', text: opts.status ?? 'Working on it', value: '{"index":0}' },
      {
        id: 'person',
        type: 'people',
        text: opts.owner ? 'Rep One' : '',
        value: opts.owner ? JSON.stringify({ personsAndTeams: [{ id: opts.owner, kind: 'person' }] }) : null,
      },
      {
        id: 'date4',
        type: 'date',
        text: opts.due ?? '',
        value: opts.due ? JSON.stringify({ date: opts.due }) : null,
      },
      { id: 'text0', type: 'text', text: 'Acme renewal', value: '"Acme renewal"' },
    ],
  };
}
