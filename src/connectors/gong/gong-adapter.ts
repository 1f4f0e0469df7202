/**
 * The Gong connector: Basic auth with an access key and secret. Connect stores the user directory; syncs
 * fetch tracked users' calls only (primaryUserIds filter, one user at a time, per-user cursors);
 * transcripts are fetched on demand.
 */
import { z } from 'zod';
import { syncTrackedUsers } from '../../conversations/per-user-sync.ts';
import { trackedUsersReadiness } from '../../conversations/tracked-users.ts';
import type { ConnectorAdapter, UserDirectoryEntry } from '../adapter.ts';
import { fetchGongTranscript, listGongCalls, listGongUsers } from './gong-api.ts';
import { normaliseGongCall, normaliseGongTranscript } from './gong-normalise.ts';

const credentialsSchema = z
  .object({ access_key: z.string().min(4).max(500), access_key_secret: z.string().min(4).max(500) })
  .strict();
type GongCredentials = z.infer<typeof credentialsSchema>;

export const gongAdapter: ConnectorAdapter<GongCredentials> = {
  name: 'gong',
  credentialsSchema,
  http: {
    service: 'gong',
    defaultBaseUrl: () => 'https://api.gong.io',
    authHeaders: (c) => ({
      authorization: `Basic ${Buffer.from(`${c.access_key}:${c.access_key_secret}`).toString('base64')}`,
    }),
    // Gong: 3 calls per second (and 10,000 per day) per company.
    rateLimit: { capacity: 3, refillPerSecond: 3 },
  },
  entities: () => ['conversations'],

  async testConnection(ctx) {
    await ctx.http.get('v2/users', {});
    return undefined;
  },

  readyToSync: trackedUsersReadiness('gong'),

  async fetchUserDirectory(ctx): Promise<UserDirectoryEntry[]> {
    const users = await listGongUsers(ctx.http);
    return users.map((u) => ({
      source_user_id: u.id,
      email: u.emailAddress ? u.emailAddress.toLowerCase() : null,
      name: [u.firstName, u.lastName].filter(Boolean).join(' ') || null,
      title: u.title ?? null,
      is_active: u.active ?? true,
    }));
  },

  async onConnected(ctx) {
    const directory = await gongAdapter.fetchUserDirectory!(ctx);
    return { user_directory: directory, user_directory_fetched_at: new Date().toISOString() };
  },

  sync(ctx, request) {
    return syncTrackedUsers(ctx, request, async (user, since, page) => {
      const out = await listGongCalls(
        ctx.http,
        user.source_user_id,
        since,
        page === null ? null : String(page),
      );
      return {
        conversations: out.calls.map((c) => normaliseGongCall(c, user.email, user.source_user_id)),
        next: out.next,
        fetched: out.calls.length,
      };
    });
  },

  async fetchTranscript(ctx, sourceId) {
    const t = await fetchGongTranscript(ctx.http, sourceId);
    return t ? normaliseGongTranscript(t) : null;
  },
};
