/**
 * Gong REST v2 calls and payload schemas: the user directory (`GET /v2/users`), calls of one primary
 * user (`POST /v2/calls/extensive`), and transcripts (`POST /v2/calls/transcript`). Gong pages with
 * `records.cursor`, and answers 404 when a filter matches nothing, which is an empty result, not an error.
 */
import { z } from 'zod';
import { UpstreamError } from '../../errors.ts';
import type { HttpClient } from '../http-client.ts';
import { parseUpstream } from '../upstream-payload.ts';

const records = z.object({ cursor: z.string().nullish() }).loose().nullish();

const userSchema = z
  .object({
    id: z.string(),
    emailAddress: z.string().nullish(),
    firstName: z.string().nullish(),
    lastName: z.string().nullish(),
    title: z.string().nullish(),
    active: z.boolean().nullish(),
  })
  .loose();
export type GongUser = z.infer<typeof userSchema>;
const usersResponse = z.object({ users: z.array(userSchema).default([]), records }).loose();

const partySchema = z
  .object({
    id: z.string().nullish(),
    name: z.string().nullish(),
    emailAddress: z.string().nullish(),
    affiliation: z.string().nullish(),
    speakerId: z.string().nullish(),
    userId: z.string().nullish(),
    title: z.string().nullish(),
  })
  .loose();

const callSchema = z
  .object({
    metaData: z
      .object({
        id: z.string(),
        url: z.string().nullish(),
        title: z.string().nullish(),
        started: z.string().nullish(),
        duration: z.number().nullish(),
        primaryUserId: z.string().nullish(),
      })
      .loose(),
    parties: z.array(partySchema).nullish(),
    context: z
      .array(
        z
          .object({
            system: z.string().nullish(),
            objects: z
              .array(z.object({ objectType: z.string().nullish(), objectId: z.string().nullish() }).loose())
              .nullish(),
          })
          .loose(),
      )
      .nullish(),
    content: z
      .object({
        topics: z.array(z.object({ name: z.string(), duration: z.number().nullish() }).loose()).nullish(),
        trackers: z.array(z.object({ name: z.string(), count: z.number().nullish() }).loose()).nullish(),
        brief: z.string().nullish(),
        keyPoints: z.array(z.object({ text: z.string() }).loose()).nullish(),
        pointsOfInterest: z
          .object({ actionItems: z.array(z.object({ snippet: z.string() }).loose()).nullish() })
          .loose()
          .nullish(),
      })
      .loose()
      .nullish(),
  })
  .loose();
export type GongCall = z.infer<typeof callSchema>;
const callsResponse = z.object({ calls: z.array(callSchema).default([]), records }).loose();

const transcriptResponse = z
  .object({
    callTranscripts: z
      .array(
        z
          .object({
            callId: z.string(),
            transcript: z
              .array(
                z
                  .object({
                    speakerId: z.string().nullish(),
                    topic: z.string().nullish(),
                    sentences: z
                      .array(
                        z.object({
                          start: z.number().nullish(),
                          end: z.number().nullish(),
                          text: z.string(),
                        }),
                      )
                      .default([]),
                  })
                  .loose(),
              )
              .default([]),
          })
          .loose(),
      )
      .default([]),
  })
  .loose();
export type GongCallTranscript = z.infer<typeof transcriptResponse>['callTranscripts'][number];

const CONTENT_SELECTOR = {
  context: 'Extended',
  exposedFields: {
    parties: true,
    content: { topics: true, trackers: true, brief: true, keyPoints: true, pointsOfInterest: true },
  },
};

/** Gong's "no records match" answer. */
function isNoMatch(err: unknown): boolean {
  return err instanceof UpstreamError && err.status === 404;
}

export async function listGongUsers(http: HttpClient): Promise<GongUser[]> {
  const users: GongUser[] = [];
  let cursor: string | undefined;
  do {
    let raw: unknown;
    try {
      raw = await http.get('v2/users', { cursor });
    } catch (err) {
      if (isNoMatch(err)) break;
      throw err;
    }
    const page = parseUpstream('gong', 'users', usersResponse, raw);
    users.push(...page.users);
    cursor = page.records?.cursor ?? undefined;
  } while (cursor);
  return users;
}

export async function listGongCalls(
  http: HttpClient,
  userId: string,
  fromDateTime: string | null,
  cursor: string | null,
): Promise<{ calls: GongCall[]; next: string | null }> {
  const filter: Record<string, unknown> = { primaryUserIds: [userId] };
  if (fromDateTime) filter.fromDateTime = fromDateTime;
  let raw: unknown;
  try {
    raw = await http.post('v2/calls/extensive', {
      ...(cursor ? { cursor } : {}),
      filter,
      contentSelector: CONTENT_SELECTOR,
    });
  } catch (err) {
    if (isNoMatch(err)) return { calls: [], next: null };
    throw err;
  }
  const page = parseUpstream('gong', 'calls', callsResponse, raw);
  return { calls: page.calls, next: page.records?.cursor ?? null };
}

export async function fetchGongTranscript(
  http: HttpClient,
  callId: string,
): Promise<GongCallTranscript | null> {
  let raw: unknown;
  try {
    raw = await http.post('v2/calls/transcript', { filter: { callIds: [callId] } });
  } catch (err) {
    if (isNoMatch(err)) return null;
    throw err;
  }
  const page = parseUpstream('gong', 'transcript', transcriptResponse, raw);
  return page.callTranscripts.find((t) => t.callId === callId) ?? null;
}
