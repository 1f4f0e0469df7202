/**
 * The sync loop both recorders share: tracked users one after another, each with its own cursor, so a
 * newly tracked user starts from the beginning of history while the others continue incrementally, and
 * an interrupted run resumes at the user and page it stopped at. Untracked users are never asked for.
 */
import { z } from 'zod';
import type {
  ConnectorContext,
  NormalisedRecord,
  SyncCursor,
  SyncPage,
  SyncRequest,
} from '../connectors/adapter.ts';
import { type TrackedUser, trackedUsersOf } from './tracked-users.ts';

// Recordings appear in the API after processing (minutes to hours); re-reading two days is cheap and idempotent.
const OVERLAP_MS = 48 * 3600 * 1000;

const userCursorSchema = z.object({
  tracked_at: z.string(),
  /** Lower bound of the start time for this user's next run; null = from the beginning. */
  since: z.string().nullable(),
  /** The source's paging token inside the current run. */
  page: z.union([z.string(), z.number()]).nullable().optional(),
  /** The run this entry belongs to; equal to run_started and page null means "done in this run". */
  run: z.string().nullable().optional(),
});
type UserCursor = z.infer<typeof userCursorSchema>;

const cursorSchema = z.object({
  users: z.record(z.string(), userCursorSchema).default({}),
  run_started: z.string().optional(),
});

export interface UserPage {
  conversations: NormalisedRecord[];
  /** null when this user has no more pages. */
  next: string | number | null;
  fetched: number;
}

export type FetchUserPage = (
  user: TrackedUser,
  since: string | null,
  page: string | number | null,
) => Promise<UserPage>;

export async function* syncTrackedUsers(
  ctx: ConnectorContext,
  request: SyncRequest,
  fetchUserPage: FetchUserPage,
): AsyncGenerator<SyncPage, void, undefined> {
  const tracked = [...(trackedUsersOf(ctx.metadata) ?? [])].sort((a, b) =>
    a.source_user_id.localeCompare(b.source_user_id),
  );
  const parsed = cursorSchema.safeParse(request.cursor);
  const previous = parsed.success ? parsed.data : { users: {}, run_started: undefined };
  const runStarted = previous.run_started ?? new Date().toISOString();
  const nextSince = new Date(Date.parse(runStarted) - OVERLAP_MS).toISOString();
  // Only tracked users keep a cursor: untracking and re-tracking later starts that user afresh.
  const users: Record<string, UserCursor> = {};
  for (const u of tracked) {
    const c = previous.users[u.source_user_id];
    const fresh = !c || c.tracked_at !== u.tracked_at || request.mode === 'initial';
    users[u.source_user_id] =
      fresh && !(c?.run === runStarted && c.tracked_at === u.tracked_at)
        ? { tracked_at: u.tracked_at, since: null, page: null, run: null }
        : c!;
  }
  const snapshot = (inRun: boolean): SyncCursor =>
    inRun ? { users: structuredClone(users), run_started: runStarted } : { users: structuredClone(users) };

  let fetched = 0;
  for (const [index, user] of tracked.entries()) {
    const state = users[user.source_user_id]!;
    if (state.run === runStarted && (state.page ?? null) === null) continue; // finished before an interruption
    let page = state.run === runStarted ? (state.page ?? null) : null;
    for (;;) {
      const out = await fetchUserPage(user, state.since, page);
      fetched += out.fetched;
      page = out.next;
      users[user.source_user_id] =
        page === null
          ? { tracked_at: user.tracked_at, since: nextSince, page: null, run: runStarted }
          : { ...state, page, run: runStarted };
      yield {
        records: { conversations: out.conversations },
        cursor: snapshot(true),
        progress: { phase: 'conversations', user: index + 1, users: tracked.length, fetched },
      };
      if (page === null) break;
    }
  }
  // The last cursor carries no run marker, so the next sync is a new run.
  yield { records: {}, cursor: snapshot(false), progress: { phase: 'done', users: tracked.length, fetched } };
}
