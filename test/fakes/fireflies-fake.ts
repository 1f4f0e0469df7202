/**
 * A fake Fireflies GraphQL endpoint (POST /graphql): `users`, `transcripts(organizer_email, fromDate,
 * limit, skip)` and `transcript(id)`. Like the real API, errors come back with HTTP 200 in `errors[]`
 * (invalid_api_key, too_many_requests via `rateLimitOnce`, object_not_found).
 */
import { type FakeServer, startFakeServer } from './fake-server.ts';

export interface FirefliesFakeMeeting {
  id: string;
  title: string;
  date: number;
  duration: number;
  organizer_email: string;
  participants: string[];
  meeting_attendees: Array<{ displayName: string | null; email: string | null }>;
  transcript_url: string;
  summary: { overview: string; action_items: string; keywords: string[] };
}

export interface FirefliesFakeData {
  apiKey: string;
  users: Array<{ user_id: string; email: string; name: string }>;
  meetings: FirefliesFakeMeeting[];
  /** Extra meetings returned for an organizer besides their own (a meeting shared by two organizers). */
  alsoFor: Map<string, string[]>;
  sentences: Map<string, unknown[]>;
  /** Answer the next N GraphQL requests with too_many_requests (HTTP 200). */
  rateLimitNext: number;
}

export type FirefliesFake = FakeServer & { data: FirefliesFakeData };

const gqlError = (code: string, message: string) => ({
  data: null,
  errors: [{ message, code, extensions: { code, status: code === 'too_many_requests' ? 429 : 400 } }],
});

export async function startFirefliesFake(data: FirefliesFakeData): Promise<FirefliesFake> {
  const fake = await startFakeServer((req) => {
    if (req.method !== 'POST' || req.path !== '/graphql')
      return { status: 404, json: { message: 'no route' } };
    if (req.headers.authorization !== `Bearer ${data.apiKey}`)
      return { json: gqlError('invalid_api_key', 'Invalid API key') };
    if (data.rateLimitNext > 0) {
      data.rateLimitNext--;
      return { json: gqlError('too_many_requests', 'Too many requests. Please retry after 1 second.') };
    }
    const { query, variables = {} } = req.body as { query: string; variables?: Record<string, any> };
    if (/\btranscripts\s*\(/.test(query)) {
      const email = String(variables.organizer ?? '').toLowerCase();
      const extra = new Set(data.alsoFor.get(email) ?? []);
      const from = variables.fromDate ? Date.parse(variables.fromDate) : 0;
      const mine = data.meetings
        .filter((m) => m.organizer_email.toLowerCase() === email || extra.has(m.id))
        .filter((m) => m.date >= from)
        .sort((a, b) => b.date - a.date);
      const skip = variables.skip ?? 0;
      const limit = Math.min(variables.limit ?? 50, 50);
      return { json: { data: { transcripts: mine.slice(skip, skip + limit) } } };
    }
    if (/\btranscript\s*\(/.test(query)) {
      const sentences = data.sentences.get(variables.id);
      if (!sentences) return { json: gqlError('object_not_found', 'Object not found: transcript') };
      return { json: { data: { transcript: { id: variables.id, sentences } } } };
    }
    if (/\busers\b/.test(query)) return { json: { data: { users: data.users } } };
    return { json: gqlError('graphql_validation_failed', 'Unknown query') };
  });
  return Object.assign(fake, { data });
}

/** Users ff0..ff{n-1}; user i organises `perUser(i)` meetings. */
export function makeFirefliesData(userCount: number, perUser: (i: number) => number): FirefliesFakeData {
  const users = Array.from({ length: userCount }, (_, i) => ({
    user_id: `ff${i}`,
    email: `rep${i}@acme.com`,
    name: `Rep ${i}`,
  }));
  const meetings: FirefliesFakeMeeting[] = [];
  const sentences = new Map<string, unknown[]>();
  users.forEach((u, i) => {
    for (let k = 0; k < perUser(i); k++) {
      const id = `ffm-${i}-${k}`;
      meetings.push({
        id,
        title: `Demo ${i}.${k}`,
        date: Date.UTC(2026, 0, 1 + k, 9),
        duration: 30.5,
        organizer_email: u.email,
        participants: [`${u.email},buyer${k}@customer.io`],
        meeting_attendees: [
          { displayName: u.name, email: u.email },
          { displayName: 'Buyer', email: `Buyer${k}@Customer.io` },
        ],
        transcript_url: `https://app.fireflies.ai/view/${id}`,
        summary: {
          overview: 'Went well.',
          action_items: '**Rep**\nSend pricing\nBook follow-up',
          keywords: ['pricing', 'pilot'],
        },
      });
      sentences.set(id, [
        { speaker_name: u.name, speaker_id: 0, text: 'Welcome', start_time: 0.5, end_time: 1.2 },
        { speaker_name: 'Buyer', speaker_id: 1, text: 'Thanks', start_time: 1.3, end_time: 2 },
      ]);
    }
  });
  return { apiKey: 'ff-key-123456', users, meetings, alsoFor: new Map(), sentences, rateLimitNext: 0 };
}
