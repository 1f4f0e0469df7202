/**
 * Monday.com GraphQL (POST /v2, API-Version header): boards by id, items by `items_page` then
 * `next_items_page` cursor paging, and the account's users (for owner emails). Complexity-budget and
 * rate errors come back in `errors[]` and are retried like a 429.
 */
import { z } from 'zod';
import type { HttpClient } from '../http-client.ts';
import { parseUpstream } from '../upstream-payload.ts';

export const MONDAY_API_VERSION = '2024-10';
export const MONDAY_PAGE_SIZE = 100;

const codeOf = (e: unknown): string => {
  if (typeof e !== 'object' || e === null) return '';
  const o = e as { extensions?: { code?: unknown; error_code?: unknown }; error_code?: unknown };
  return String(o.extensions?.code ?? o.extensions?.error_code ?? o.error_code ?? '');
};

const RETRYABLE = new Set([
  'ComplexityException',
  'COMPLEXITY_BUDGET_EXHAUSTED',
  'RATE_LIMIT_EXCEEDED',
  'IP_RATE_LIMIT_EXCEEDED',
  'maxConcurrencyExceeded',
  'INTERNAL_SERVER_ERROR',
]);
const AUTH = new Set(['UserUnauthorizedException', 'USER_UNAUTHORIZED', 'Unauthorized', 'UNAUTHENTICATED']);

export function classifyMondayErrors(errors: readonly unknown[]): 'retryable' | 'auth' | 'fatal' {
  const codes = errors.map(codeOf);
  if (codes.some((c) => AUTH.has(c))) return 'auth';
  if (codes.length > 0 && codes.every((c) => RETRYABLE.has(c))) return 'retryable';
  return 'fatal';
}

const columnValue = z
  .object({
    id: z.string(),
    text: z.string().nullish(),
    type: z.string().nullish(),
    value: z.string().nullish(),
  })
  .loose();
const itemSchema = z
  .object({
    id: z.string(),
    name: z.string().nullish(),
    state: z.string().nullish(),
    created_at: z.string().nullish(),
    updated_at: z.string().nullish(),
    group: z.object({ id: z.string().nullish(), title: z.string().nullish() }).loose().nullish(),
    column_values: z.array(columnValue).default([]),
  })
  .loose();
export type MondayItem = z.infer<typeof itemSchema>;
const itemsPage = z.object({ cursor: z.string().nullish(), items: z.array(itemSchema).default([]) });

const ITEM_FIELDS = /* graphql */ `cursor items { id name state created_at updated_at group { id title }
  column_values { id text type value } }`;

const FIRST_PAGE = /* graphql */ `query Items($board: [ID!], $limit: Int!) {
  boards(ids: $board) { id name items_page(limit: $limit) { ${ITEM_FIELDS} } }
}`;

const NEXT_PAGE = /* graphql */ `query NextItems($cursor: String!, $limit: Int!) {
  next_items_page(cursor: $cursor, limit: $limit) { ${ITEM_FIELDS} }
}`;

const BOARDS = /* graphql */ `query Boards($ids: [ID!]) { boards(ids: $ids) { id name } }`;
const USERS = /* graphql */ `query Users($page: Int!) { users(limit: 500, page: $page) { id email name } }`;

export async function fetchBoards(
  http: HttpClient,
  ids: readonly string[],
): Promise<Array<{ id: string; name: string }>> {
  const data = await http.graphql('v2', BOARDS, { ids });
  return parseUpstream(
    'monday',
    'boards',
    z.object({ boards: z.array(z.object({ id: z.string(), name: z.string() }).loose()).default([]) }),
    data,
  ).boards;
}

export async function fetchUserEmails(http: HttpClient): Promise<Map<string, string>> {
  const emails = new Map<string, string>();
  for (let page = 1; ; page++) {
    const data = await http.graphql('v2', USERS, { page });
    const users = parseUpstream(
      'monday',
      'users',
      z.object({
        users: z
          .array(z.object({ id: z.union([z.string(), z.number()]), email: z.string().nullish() }).loose())
          .default([]),
      }),
      data,
    ).users;
    for (const u of users) if (u.email) emails.set(String(u.id), u.email.toLowerCase());
    if (users.length < 500) return emails;
  }
}

export async function fetchItemsPage(
  http: HttpClient,
  boardId: string,
  cursor: string | null,
): Promise<{ boardName: string | null; items: MondayItem[]; cursor: string | null }> {
  if (cursor) {
    const data = await http.graphql('v2', NEXT_PAGE, { cursor, limit: MONDAY_PAGE_SIZE });
    const page = parseUpstream(
      'monday',
      'items',
      z.object({ next_items_page: itemsPage }),
      data,
    ).next_items_page;
    return { boardName: null, items: page.items, cursor: page.cursor ?? null };
  }
  const data = await http.graphql('v2', FIRST_PAGE, { board: [boardId], limit: MONDAY_PAGE_SIZE });
  const boards = parseUpstream(
    'monday',
    'items',
    z.object({
      boards: z
        .array(z.object({ id: z.string(), name: z.string().nullish(), items_page: itemsPage }))
        .default([]),
    }),
    data,
  ).boards;
  const board = boards[0];
  // A board deleted since it was selected: nothing to read.
  if (!board) return { boardName: null, items: [], cursor: null };
  return {
    boardName: board.name ?? null,
    items: board.items_page.items,
    cursor: board.items_page.cursor ?? null,
  };
}
