/**
 * Slices of a workspace's conversations by id, so the linker can run as short committed chunks: every
 * conversation's verdict and link depend on that conversation and the workspace's accounts, contacts
 * and deals alone, never on another conversation, so a chunk gives the same answer as the whole set.
 */
import type { Queryable } from '../db/db.ts';

/** Conversations with `after < id <= upTo`; a null bound is open. */
export interface ConversationRange {
  after: string | null;
  upTo: string | null;
}

export const EVERY_CONVERSATION: ConversationRange = { after: null, upTo: null };

export function rangeParams(range: ConversationRange): [string | null, string | null] {
  return [range.after, range.upTo];
}

/** Ranges of at most `size` conversations covering the workspace, in id order. */
export async function conversationRanges(
  q: Queryable,
  workspaceId: string,
  size: number,
): Promise<ConversationRange[]> {
  const { rows } = await q.query<{ id: string }>(
    /* sql */ `SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n
                                 FROM conversations WHERE workspace_id = $1::uuid) s
              WHERE n % $2::int = 0 ORDER BY id`,
    [workspaceId, size],
  );
  const ranges: ConversationRange[] = [];
  let after: string | null = null;
  for (const { id } of rows) {
    ranges.push({ after, upTo: id });
    after = id;
  }
  ranges.push({ after, upTo: null });
  return ranges;
}
