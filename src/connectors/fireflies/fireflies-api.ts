/**
 * Fireflies GraphQL: the user directory (`users`), one organizer's transcripts (`transcripts` with
 * organizer_email, limit/skip paging) and one transcript's sentences (`transcript(id)`). Errors arrive
 * with HTTP 200 in `errors[]`; classifyFirefliesErrors tells the HTTP helper which ones to retry.
 */
import { z } from 'zod';
import type { HttpClient } from '../http-client.ts';
import { parseUpstream } from '../upstream-payload.ts';

/** Fireflies caps `limit` at 50. */
export const FIREFLIES_PAGE_SIZE = 50;

const errorCode = (e: unknown): string => {
  if (typeof e !== 'object' || e === null) return '';
  const o = e as { code?: unknown; extensions?: { code?: unknown } };
  return String(o.extensions?.code ?? o.code ?? '').toLowerCase();
};

const RETRYABLE = new Set([
  'too_many_requests',
  'rate_limited',
  'internal_server_error',
  'service_unavailable',
]);
const AUTH = new Set(['invalid_api_key', 'unauthenticated', 'unauthorized', 'forbidden', 'auth_failed']);
const NOT_FOUND = new Set(['object_not_found', 'not_found', 'transcript_not_found']);

export function classifyFirefliesErrors(errors: readonly unknown[]): 'retryable' | 'auth' | 'fatal' {
  const codes = errors.map(errorCode);
  if (codes.some((c) => AUTH.has(c))) return 'auth';
  if (codes.length > 0 && codes.every((c) => RETRYABLE.has(c))) return 'retryable';
  return 'fatal';
}

const userSchema = z
  .object({ user_id: z.string(), email: z.string().nullish(), name: z.string().nullish() })
  .loose();
export type FirefliesUser = z.infer<typeof userSchema>;

const transcriptSchema = z
  .object({
    id: z.string(),
    title: z.string().nullish(),
    date: z.union([z.number(), z.string()]).nullish(),
    duration: z.number().nullish(),
    organizer_email: z.string().nullish(),
    participants: z.array(z.string()).nullish(),
    meeting_attendees: z
      .array(z.object({ displayName: z.string().nullish(), email: z.string().nullish() }).loose())
      .nullish(),
    transcript_url: z.string().nullish(),
    summary: z
      .object({
        overview: z.string().nullish(),
        action_items: z.union([z.string(), z.array(z.string())]).nullish(),
        keywords: z.array(z.string()).nullish(),
      })
      .loose()
      .nullish(),
  })
  .loose();
export type FirefliesTranscript = z.infer<typeof transcriptSchema>;

const sentenceSchema = z
  .object({
    speaker_name: z.string().nullish(),
    speaker_id: z.union([z.string(), z.number()]).nullish(),
    text: z.string(),
    start_time: z.number().nullish(),
    end_time: z.number().nullish(),
  })
  .loose();
export type FirefliesSentence = z.infer<typeof sentenceSchema>;

const USERS = /* graphql */ `query Users { users { user_id email name } }`;

const TRANSCRIPTS = /* graphql */ `query Transcripts($organizer: String, $fromDate: DateTime, $limit: Int, $skip: Int) {
  transcripts(organizer_email: $organizer, fromDate: $fromDate, limit: $limit, skip: $skip) {
    id title date duration organizer_email participants
    meeting_attendees { displayName email }
    transcript_url
    summary { overview action_items keywords }
  }
}`;

const TRANSCRIPT = /* graphql */ `query Transcript($id: String!) {
  transcript(id: $id) { id sentences { speaker_name speaker_id text start_time end_time } }
}`;

export async function listFirefliesUsers(http: HttpClient): Promise<FirefliesUser[]> {
  const data = await http.graphql('graphql', USERS);
  return parseUpstream('fireflies', 'users', z.object({ users: z.array(userSchema).default([]) }), data)
    .users;
}

export async function listFirefliesTranscripts(
  http: HttpClient,
  organizerEmail: string,
  fromDate: string | null,
  skip: number,
): Promise<FirefliesTranscript[]> {
  const data = await http.graphql('graphql', TRANSCRIPTS, {
    organizer: organizerEmail,
    fromDate,
    limit: FIREFLIES_PAGE_SIZE,
    skip,
  });
  return (
    parseUpstream(
      'fireflies',
      'transcripts',
      z.object({ transcripts: z.array(transcriptSchema).nullish() }),
      data,
    ).transcripts ?? []
  );
}

/**
 * null when Fireflies no longer has the transcript. The "not found" error is read from the raw reply
 * (by its code) before the helper's classification, which would only call it fatal.
 */
export async function fetchFirefliesSentences(
  http: HttpClient,
  id: string,
): Promise<FirefliesSentence[] | null> {
  const raw = await http.post<{ data?: unknown; errors?: unknown[] }>('graphql', {
    query: TRANSCRIPT,
    variables: { id },
  });
  const errors = raw?.errors ?? [];
  if (errors.some((e) => NOT_FOUND.has(errorCode(e)))) return null;
  const data = errors.length > 0 ? await http.graphql('graphql', TRANSCRIPT, { id }) : raw?.data;
  const parsed = parseUpstream(
    'fireflies',
    'transcript',
    z.object({
      transcript: z
        .object({ sentences: z.array(sentenceSchema).nullish() })
        .loose()
        .nullish(),
    }),
    data,
  );
  if (!parsed.transcript) return null;
  return parsed.transcript.sentences ?? [];
}
