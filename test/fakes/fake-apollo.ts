/**
 * A fake Apollo People API on loopback: people/match (JSON body or query) and people/bulk_match (≤10,
 * null misses, counters) answered from a list of people, the x-api-key check (401 text/plain, as Apollo
 * sends it), 400 RECORD_LIMIT_EXCEEDED / INVALID_REQUEST, locked emails as Apollo's placeholder, and the
 * shared fault queue (429 with Retry-After, 5xx, malformed bodies). It counts requests per second.
 */
import { type FakeServer, type LoggedRequest, startFakeServer } from './fake-server.ts';

export interface FakeApolloPerson {
  email: string | null;
  first_name: string;
  last_name: string;
  domain: string;
  title: string;
  seniority: string;
  departments: string[];
  /** Current job's start (YYYY-MM-DD). */
  start_date: string | null;
  /** Apollo has the email but it is not unlocked for this team. */
  email_locked?: boolean;
}

export interface FakeApollo extends FakeServer {
  people: FakeApolloPerson[];
  /** Keys answered 401 (expired or revoked) even though they once worked. */
  expiredKeys: Set<string>;
  /** Requests to the enrichment endpoints (faults included). */
  enrichmentRequests(): LoggedRequest[];
}

const LOCKED = 'email_not_unlocked@domain.com';

function personJson(p: FakeApolloPerson, i: number) {
  return {
    id: `p${i.toString(16).padStart(8, '0')}`,
    first_name: p.first_name,
    last_name: p.last_name,
    name: `${p.first_name} ${p.last_name}`,
    title: p.title,
    email: p.email_locked ? LOCKED : p.email,
    email_status: p.email_locked ? null : 'verified',
    linkedin_url: null,
    seniority: p.seniority,
    departments: p.departments,
    subdepartments: [],
    employment_history: [
      {
        current: true,
        title: p.title,
        organization_name: p.domain,
        start_date: p.start_date,
        end_date: null,
        degree: null,
        kind: null,
      },
    ],
    organization: { name: p.domain, primary_domain: p.domain, industry: null, estimated_num_employees: null },
  };
}

export async function startFakeApollo(apiKey: string, people: FakeApolloPerson[] = []): Promise<FakeApollo> {
  const expiredKeys = new Set<string>();
  const state = { people };
  const norm = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : '');
  function find(d: Record<string, unknown>) {
    const idx = state.people.findIndex((p) =>
      d.email
        ? norm(p.email) === norm(d.email)
        : norm(p.first_name) === norm(d.first_name) &&
          norm(p.last_name) === norm(d.last_name) &&
          norm(p.domain) === norm(d.domain),
    );
    return idx < 0 ? null : personJson(state.people[idx]!, idx);
  }
  const server = await startFakeServer((req) => {
    const key = req.headers['x-api-key'];
    if (key !== apiKey || expiredKeys.has(String(key)))
      return {
        status: 401,
        text: 'Invalid API key. See https://docs.apollo.io/reference/authentication for how to authenticate.',
        headers: { 'content-type': 'text/plain' },
      };
    if (req.method === 'POST' && req.path === '/api/v1/people/match') {
      const d = (req.body && typeof req.body === 'object' ? req.body : req.query) as Record<string, unknown>;
      return { json: { person: find(d), request_id: -1039995589705121900 } };
    }
    if (req.method === 'POST' && req.path === '/api/v1/people/bulk_match') {
      const details = (req.body as { details?: unknown })?.details;
      if (!Array.isArray(details) || details.length === 0)
        return {
          status: 400,
          json: {
            status: 'failed',
            error_code: 'INVALID_REQUEST',
            error_message: 'invalid request, missing details',
          },
        };
      if (details.length > 10)
        return {
          status: 400,
          json: {
            status: 'failed',
            error_code: 'RECORD_LIMIT_EXCEEDED',
            error_message: 'cannot enrich more than 10 in a single request',
          },
        };
      const matches = details.map((d) => find(d as Record<string, unknown>));
      const found = matches.filter(Boolean).length;
      return {
        json: {
          status: 'success',
          error_code: null,
          error_message: null,
          total_requested_enrichments: details.length,
          unique_enriched_records: found,
          missing_records: details.length - found,
          credits_consumed: found,
          matches,
        },
      };
    }
    return { status: 404, json: { error: `no route ${req.method} ${req.path}` } };
  });
  // The handler reads `state`, so the property is an accessor onto it (tests replace the list).
  const fake = Object.assign(server, {
    people,
    expiredKeys,
    enrichmentRequests: () => server.requests.filter((r) => r.path.startsWith('/api/v1/people/')),
  });
  Object.defineProperty(fake, 'people', {
    get: () => state.people,
    set: (v: FakeApolloPerson[]) => {
      state.people = v;
    },
  });
  return fake;
}
