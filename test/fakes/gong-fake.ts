/**
 * A fake Gong API: /v2/users, /v2/calls/extensive and /v2/calls/transcript with the documented shapes,
 * cursor paging (`records.cursor`), Basic auth, and Gong's 404 for filters that match nothing.
 */
import { type FakeServer, startFakeServer } from './fake-server.ts';

export interface GongFakeUser {
  id: string;
  emailAddress: string;
  firstName: string;
  lastName: string;
  title?: string;
}

export interface GongFakeCall {
  metaData: {
    id: string;
    url: string;
    title: string;
    started: string;
    duration: number;
    primaryUserId: string;
  };
  parties: Array<Record<string, unknown>>;
  context?: Array<Record<string, unknown>>;
  content?: Record<string, unknown>;
}

export interface GongFakeData {
  accessKey: string;
  secret: string;
  users: GongFakeUser[];
  calls: GongFakeCall[];
  /** callId → transcript monologues; a call without an entry has no transcript (404). */
  transcripts: Map<string, unknown[]>;
  pageSize: number;
}

export type GongFake = FakeServer & { data: GongFakeData };

export async function startGongFake(data: GongFakeData): Promise<GongFake> {
  // Read per request, so a test can rotate the secret (an expired key) mid-run.
  const expected = () => `Basic ${Buffer.from(`${data.accessKey}:${data.secret}`).toString('base64')}`;
  const paged = <T>(items: T[], cursor: unknown) => {
    const start = typeof cursor === 'string' ? Number(cursor.replace('c', '')) : 0;
    const slice = items.slice(start, start + data.pageSize);
    const next = start + data.pageSize < items.length ? `c${start + data.pageSize}` : undefined;
    return {
      slice,
      records: {
        totalRecords: items.length,
        currentPageSize: slice.length,
        currentPageNumber: start / data.pageSize,
        ...(next ? { cursor: next } : {}),
      },
    };
  };
  const fake = await startFakeServer((req) => {
    if (req.headers.authorization !== expected())
      return { status: 401, json: { requestId: 'r', errors: ['Invalid credentials'] } };
    if (req.method === 'GET' && req.path === '/v2/users') {
      const { slice, records } = paged(data.users, req.query.cursor);
      return { json: { requestId: 'r', records, users: slice.map((u) => ({ ...u, active: true })) } };
    }
    const body = (req.body ?? {}) as { cursor?: string; filter?: Record<string, unknown> };
    if (req.method === 'POST' && req.path === '/v2/calls/extensive') {
      const ids = (body.filter?.primaryUserIds as string[] | undefined) ?? [];
      const from = body.filter?.fromDateTime as string | undefined;
      const matching = data.calls.filter(
        (c) =>
          (ids.length === 0 || ids.includes(c.metaData.primaryUserId)) &&
          (!from || Date.parse(c.metaData.started) >= Date.parse(from)),
      );
      if (matching.length === 0)
        return {
          status: 404,
          json: { requestId: 'r', errors: ['No calls found corresponding to the provided filters'] },
        };
      const { slice, records } = paged(matching, body.cursor);
      return { json: { requestId: 'r', records, calls: slice } };
    }
    if (req.method === 'POST' && req.path === '/v2/calls/transcript') {
      const ids = ((body.filter?.callIds as string[] | undefined) ?? []).filter((id) =>
        data.transcripts.has(id),
      );
      if (ids.length === 0)
        return {
          status: 404,
          json: { requestId: 'r', errors: ['No calls found corresponding to the provided filters'] },
        };
      return {
        json: {
          requestId: 'r',
          records: { totalRecords: ids.length, currentPageSize: ids.length, currentPageNumber: 0 },
          callTranscripts: ids.map((callId) => ({ callId, transcript: data.transcripts.get(callId) })),
        },
      };
    }
    return { status: 404, json: { errors: ['no route'] } };
  });
  return Object.assign(fake, { data });
}

/** n users with calls each; user u{i} has i calls (so u0 has none). */
export function makeGongData(userCount: number, pageSize = 2): GongFakeData {
  const users: GongFakeUser[] = [];
  const calls: GongFakeCall[] = [];
  const transcripts = new Map<string, unknown[]>();
  for (let i = 0; i < userCount; i++) {
    const id = `gu${i}`;
    users.push({
      id,
      emailAddress: `Rep${i}@Acme.com`,
      firstName: 'Rep',
      lastName: String(i),
      title: i % 2 ? 'AE' : 'SDR',
    });
    for (let k = 0; k < i; k++) {
      const callId = `call-${i}-${k}`;
      calls.push({
        metaData: {
          id: callId,
          url: `https://app.gong.io/call?id=${callId}`,
          title: `Discovery ${i}.${k}`,
          started: new Date(Date.UTC(2026, 0, 1 + k, 15)).toISOString(),
          duration: 1800.4,
          primaryUserId: id,
        },
        parties: [
          {
            id: 'p1',
            name: `Rep ${i}`,
            emailAddress: `Rep${i}@Acme.com`,
            affiliation: 'Internal',
            speakerId: `s-${i}`,
            userId: id,
          },
          {
            id: 'p2',
            name: 'Buyer',
            emailAddress: 'buyer@customer.io',
            affiliation: 'External',
            speakerId: 's-b',
          },
        ],
        context: [
          {
            system: 'Salesforce',
            objects: [
              { objectType: 'Opportunity', objectId: '006A' },
              { objectType: 'Account', objectId: '001A' },
            ],
          },
        ],
        content: {
          topics: [{ name: 'Pricing', duration: 120 }],
          trackers: [{ name: 'Competitors', count: 2 }],
          brief: 'They want a pilot.',
          keyPoints: [{ text: 'Budget approved' }],
          pointsOfInterest: { actionItems: [{ snippet: 'Send the proposal' }] },
        },
      });
      transcripts.set(callId, [
        { speakerId: `s-${i}`, topic: 'Intro', sentences: [{ start: 0, end: 1500, text: 'Hello there' }] },
        {
          speakerId: 's-b',
          topic: null,
          sentences: [{ start: 1500, end: 4000, text: 'Hi, thanks for having us' }],
        },
      ]);
    }
  }
  return { accessKey: 'gong-key', secret: 'gong-secret', users, calls, transcripts, pageSize };
}
