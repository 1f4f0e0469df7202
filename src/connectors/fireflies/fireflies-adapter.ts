/**
 * The Fireflies connector: a Bearer API key against the GraphQL endpoint. Connect stores the user
 * directory; syncs page through tracked users' meetings by organizer email (limit/skip, per-user
 * cursors); sentences are fetched on demand.
 */
import { z } from 'zod';
import { syncTrackedUsers } from '../../conversations/per-user-sync.ts';
import { trackedUsersReadiness, userDirectoryOf } from '../../conversations/tracked-users.ts';
import type { ConnectorAdapter, UserDirectoryEntry } from '../adapter.ts';
import {
  classifyFirefliesErrors,
  FIREFLIES_PAGE_SIZE,
  fetchFirefliesSentences,
  listFirefliesTranscripts,
  listFirefliesUsers,
} from './fireflies-api.ts';
import { normaliseFirefliesSentences, normaliseFirefliesTranscript } from './fireflies-normalise.ts';

const credentialsSchema = z.object({ api_key: z.string().min(8).max(500) }).strict();
type FirefliesCredentials = z.infer<typeof credentialsSchema>;

export const firefliesAdapter: ConnectorAdapter<FirefliesCredentials> = {
  name: 'fireflies',
  credentialsSchema,
  http: {
    service: 'fireflies',
    defaultBaseUrl: () => 'https://api.fireflies.ai',
    authHeaders: (c) => ({ authorization: `Bearer ${c.api_key}` }),
    // Business plans allow 60 requests per minute.
    rateLimit: { capacity: 5, refillPerSecond: 1 },
    classifyGraphqlErrors: classifyFirefliesErrors,
  },
  entities: () => ['conversations'],

  async testConnection(ctx) {
    await listFirefliesUsers(ctx.http);
    return undefined;
  },

  readyToSync: trackedUsersReadiness('fireflies'),

  async fetchUserDirectory(ctx): Promise<UserDirectoryEntry[]> {
    const users = await listFirefliesUsers(ctx.http);
    return users.map((u) => ({
      source_user_id: u.user_id,
      email: u.email ? u.email.toLowerCase() : null,
      name: u.name ?? null,
      title: null,
    }));
  },

  async onConnected(ctx) {
    const directory = await firefliesAdapter.fetchUserDirectory!(ctx);
    return { user_directory: directory, user_directory_fetched_at: new Date().toISOString() };
  },

  sync(ctx, request) {
    const internal = new Set(
      userDirectoryOf(ctx.metadata)
        .map((u) => u.email)
        .filter((e): e is string => !!e),
    );
    return syncTrackedUsers(ctx, request, async (user, since, page) => {
      // A user without an email cannot be asked for by organizer: nothing to fetch.
      if (!user.email) return { conversations: [], next: null, fetched: 0 };
      const skip = typeof page === 'number' ? page : 0;
      const items = await listFirefliesTranscripts(ctx.http, user.email, since, skip);
      return {
        conversations: items.map((t) => normaliseFirefliesTranscript(t, user.source_user_id, internal)),
        next: items.length === FIREFLIES_PAGE_SIZE ? skip + items.length : null,
        fetched: items.length,
      };
    });
  },

  async fetchTranscript(ctx, sourceId) {
    const sentences = await fetchFirefliesSentences(ctx.http, sourceId);
    return sentences ? normaliseFirefliesSentences(sentences) : null;
  },
};
