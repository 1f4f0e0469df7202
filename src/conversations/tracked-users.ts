/**
 * The two-step connect flow of conversation recorders: the user directory an adapter fetched on connect
 * (connections.metadata.user_directory) and the sales users chosen from it (metadata.tracked_users).
 * Only tracked users' recordings are fetched; a user's conversations carry their source user id in
 * custom_fields.source_user_id so a selection change can re-mark is_tracked in one statement.
 */
import { z } from 'zod';
import type { UserDirectoryEntry } from '../connectors/adapter.ts';
import type { Queryable } from '../db/db.ts';
import { ValidationError } from '../errors.ts';

export const directoryEntrySchema = z.object({
  source_user_id: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  title: z.string().nullable().optional(),
  is_active: z.boolean().optional(),
});

export const trackedUserSchema = z.object({
  source_user_id: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  title: z.string().nullable().optional(),
  /** When this user entered the selection; a new value means "sync this user from the start". */
  tracked_at: z.string(),
});
export type TrackedUser = z.infer<typeof trackedUserSchema>;

const directoryMeta = z.object({ user_directory: z.array(directoryEntrySchema).default([]) }).loose();
const trackedMeta = z.object({ tracked_users: z.array(trackedUserSchema).optional() }).loose();

export function userDirectoryOf(metadata: Readonly<Record<string, unknown>>): UserDirectoryEntry[] {
  const parsed = directoryMeta.safeParse(metadata);
  return parsed.success ? parsed.data.user_directory : [];
}

/** undefined: never selected; []: deliberately nobody. */
export function trackedUsersOf(metadata: Readonly<Record<string, unknown>>): TrackedUser[] | undefined {
  const parsed = trackedMeta.safeParse(metadata);
  return parsed.success ? parsed.data.tracked_users : undefined;
}

/** The readyToSync hook shared by the recorders. */
export function trackedUsersReadiness(connector: string) {
  return (metadata: Readonly<Record<string, unknown>>): string | null => {
    const tracked = trackedUsersOf(metadata);
    if (tracked && tracked.length > 0) return null;
    return (
      `${connector} syncs only the sales team's recordings: choose them first with ` +
      `GET /connectors/${connector}/users and PUT /connectors/${connector}/tracked-users {"user_ids": [...]}`
    );
  };
}

/**
 * The new selection: ids resolved against the directory (an unknown id is a client error); users
 * already tracked keep their tracked_at, newly tracked ones get `now`.
 */
export function buildTrackedUsers(
  metadata: Readonly<Record<string, unknown>>,
  userIds: readonly string[],
  now: Date = new Date(),
): TrackedUser[] {
  const directory = new Map(userDirectoryOf(metadata).map((u) => [u.source_user_id, u]));
  const previous = new Map((trackedUsersOf(metadata) ?? []).map((u) => [u.source_user_id, u]));
  const unknown = userIds.filter((id) => !directory.has(id));
  if (unknown.length > 0)
    throw new ValidationError(`unknown user id(s): ${unknown.slice(0, 10).join(', ')}`, { unknown });
  return [...new Set(userIds)].map((id) => {
    const u = directory.get(id)!;
    return {
      source_user_id: id,
      email: u.email,
      name: u.name,
      title: u.title ?? null,
      tracked_at: previous.get(id)?.tracked_at ?? now.toISOString(),
    };
  });
}

/**
 * Re-marks is_tracked for every conversation of one source after a selection change. The owner is
 * custom_fields.source_user_id; rows without one (imported or generated) fall back to organizer_email.
 */
export async function applyTrackedFlags(
  q: Queryable,
  workspaceId: string,
  source: string,
  tracked: ReadonlyArray<{ source_user_id: string; email: string | null }>,
): Promise<{ tracked: number; untracked: number }> {
  const ids = tracked.map((u) => u.source_user_id);
  const emails = tracked.map((u) => u.email?.toLowerCase()).filter((e): e is string => !!e);
  // A plain scan and update: JIT compilation would cost more than it saves. Transaction-local.
  await q.query('SET LOCAL jit = off');
  const { rows } = await q.query<{ is_tracked: boolean; n: number }>(
    /* sql */ `WITH changed AS (
                 UPDATE conversations c
                 SET is_tracked = NOT c.is_tracked, updated_at = now()
                 WHERE c.workspace_id = $1::uuid AND c.source = $2::text
                   AND c.is_tracked IS DISTINCT FROM coalesce(
                         CASE WHEN c.custom_fields ? 'source_user_id'
                              THEN (c.custom_fields ->> 'source_user_id') = ANY ($3::text[])
                              ELSE lower(c.organizer_email) = ANY ($4::text[]) END,
                         false)
                 RETURNING c.is_tracked)
               SELECT is_tracked, count(*)::int AS n FROM changed GROUP BY is_tracked`,
    [workspaceId, source, ids, emails],
  );
  return {
    tracked: rows.find((r) => r.is_tracked)?.n ?? 0,
    untracked: rows.find((r) => !r.is_tracked)?.n ?? 0,
  };
}
