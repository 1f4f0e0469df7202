/**
 * The Monday.com connector: an API token; the boards to read are chosen at connect time
 * (metadata.selection.boards). Each sync walks every selected board's items with cursor paging and
 * upserts them as tasks (unchanged items write nothing).
 */
import { z } from 'zod';
import { ValidationError } from '../../errors.ts';
import type { ConnectorAdapter } from '../adapter.ts';
import {
  classifyMondayErrors,
  fetchBoards,
  fetchItemsPage,
  fetchUserEmails,
  MONDAY_API_VERSION,
} from './monday-api.ts';
import { normaliseMondayItem } from './monday-normalise.ts';

const credentialsSchema = z.object({ api_token: z.string().min(8).max(2000) }).strict();
type MondayCredentials = z.infer<typeof credentialsSchema>;

const selectionInput = z
  .object({
    board_ids: z
      .array(z.union([z.string().regex(/^\d{1,20}$/), z.number().int().positive()]))
      .min(1)
      .max(200),
  })
  .strict();
const storedSelection = z.object({
  selection: z.object({ boards: z.array(z.object({ id: z.string(), name: z.string() })).min(1) }),
});

const cursorSchema = z.object({ board: z.number().int().min(0).default(0), items: z.string().nullish() });

export const mondayAdapter: ConnectorAdapter<MondayCredentials> = {
  name: 'monday',
  credentialsSchema,
  http: {
    service: 'monday',
    defaultBaseUrl: () => 'https://api.monday.com',
    authHeaders: (c) => ({ authorization: c.api_token, 'api-version': MONDAY_API_VERSION }),
    // Requests per minute are generous; the complexity budget is what bites, and its errors are retried.
    rateLimit: { capacity: 10, refillPerSecond: 5 },
    classifyGraphqlErrors: classifyMondayErrors,
  },
  entities: () => ['tasks'],

  async testConnection(ctx) {
    const data = await ctx.http.graphql<{ me?: { email?: string } }>('v2', 'query { me { id email } }');
    return { account: data?.me?.email };
  },

  readyToSync(metadata) {
    return storedSelection.safeParse(metadata).success
      ? null
      : 'monday needs the boards to read: reconnect with metadata.selection {"board_ids": [...]}';
  },

  async validateSelection(ctx, selection) {
    const parsed = selectionInput.safeParse(selection);
    if (!parsed.success) throw new ValidationError('selection must be {"board_ids": ["123", …]}');
    const ids = [...new Set(parsed.data.board_ids.map(String))];
    const boards = await fetchBoards(ctx.http, ids);
    const found = new Set(boards.map((b) => b.id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0)
      throw new ValidationError(`unknown or inaccessible board(s): ${missing.join(', ')}`);
    return { boards: boards.map((b) => ({ id: b.id, name: b.name })) };
  },

  async *sync(ctx, request) {
    const sel = storedSelection.safeParse(ctx.metadata);
    if (!sel.success) return;
    const boards = sel.data.selection.boards;
    const parsed = cursorSchema.safeParse(request.cursor);
    let index = parsed.success ? parsed.data.board : 0;
    if (index >= boards.length) index = 0; // a finished run: the next one reads every board again
    // Item cursors expire after 60 minutes, so an interrupted board restarts from its first page.
    let cursor: string | null = null;
    const emails = await fetchUserEmails(ctx.http);
    let fetched = 0;
    for (; index < boards.length; index++) {
      const board = boards[index]!;
      let name = board.name;
      do {
        const page = await fetchItemsPage(ctx.http, board.id, cursor);
        name = page.boardName ?? name;
        cursor = page.cursor;
        fetched += page.items.length;
        yield {
          records: { tasks: page.items.map((i) => normaliseMondayItem(i, { id: board.id, name }, emails)) },
          cursor: cursor ? { board: index, items: cursor } : { board: index + 1, items: null },
          progress: { phase: 'items', board: index + 1, boards: boards.length, fetched },
        };
      } while (cursor);
    }
  },
};
