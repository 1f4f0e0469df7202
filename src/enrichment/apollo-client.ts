/**
 * Apollo People enrichment over the shared HTTP client (timeouts, Retry-After, backoff on 429/5xx,
 * 401/403 as rejected credentials). People are matched by email, else name and company domain; up to
 * ten at once through bulk_match. Answers are validated loosely: Apollo adds fields freely, and a person
 * it cannot match is a null, not an error. A locked email comes back as a placeholder and is dropped.
 */
import { z } from 'zod';
import { createHttpClient, type HttpClient } from '../connectors/http-client.ts';
import { bucketFor, type TokenBucket } from '../connectors/rate-limiter.ts';
import { UpstreamError } from '../errors.ts';

/** Apollo's bulk_match takes at most this many people per request. */
export const APOLLO_BULK_LIMIT = 10;
const LOCKED_EMAIL = 'email_not_unlocked@domain.com';

export interface ApolloLookup {
  /** The caller's key for this person (a deal_contacts id); matched back by email or name. */
  key: string;
  email?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  domain?: string | null;
  organization_name?: string | null;
}

const employmentSchema = z
  .object({
    current: z.boolean().nullish(),
    title: z.string().nullish(),
    organization_name: z.string().nullish(),
    start_date: z.string().nullish(),
    end_date: z.string().nullish(),
  })
  .passthrough();

export const apolloPersonSchema = z
  .object({
    id: z.string().nullish(),
    first_name: z.string().nullish(),
    last_name: z.string().nullish(),
    name: z.string().nullish(),
    title: z.string().nullish(),
    email: z.string().nullish(),
    email_status: z.string().nullish(),
    linkedin_url: z.string().nullish(),
    seniority: z.string().nullish(),
    departments: z.array(z.string()).nullish(),
    employment_history: z.array(employmentSchema).nullish(),
    organization: z
      .object({
        name: z.string().nullish(),
        primary_domain: z.string().nullish(),
        industry: z.string().nullish(),
        estimated_num_employees: z.number().nullish(),
      })
      .passthrough()
      .nullish(),
  })
  .passthrough();
export type ApolloPerson = z.infer<typeof apolloPersonSchema>;

const bulkAnswerSchema = z.object({ matches: z.array(apolloPersonSchema.nullable()) }).passthrough();
const singleAnswerSchema = z.object({ person: apolloPersonSchema.nullish() }).passthrough();

export type ApolloMatch =
  | { key: string; outcome: 'enriched'; person: ApolloPerson; emailLocked: boolean }
  | { key: string; outcome: 'no_match' };

export interface ApolloClient {
  /** One answer per lookup, in the lookups' order; a request that fails throws (UpstreamError). */
  matchPeople(lookups: readonly ApolloLookup[]): Promise<ApolloMatch[]>;
  /** Requests sent (each bulk call counts once). */
  readonly requestCount: number;
}

export function createApolloClient(opts: {
  apiKey: string;
  baseUrl: string;
  /** The bucket is shared by every run of the workspace in this process. */
  workspaceId: string;
  requestsPerSecond: number;
  timeoutMs?: number;
  retryBaseMs?: number;
  /** The workspace's request budget (requestBudget: shared through PostgreSQL on the server backend). */
  budget?: TokenBucket;
}): ApolloClient {
  const http: HttpClient = createHttpClient({
    service: 'apollo',
    baseUrl: opts.baseUrl,
    headers: { 'x-api-key': opts.apiKey },
    timeoutMs: opts.timeoutMs,
    retryBaseMs: opts.retryBaseMs,
    // Capacity 1: no burst above the per-second ceiling.
    rateLimit:
      opts.budget ??
      bucketFor(`apollo:${opts.workspaceId}`, { capacity: 1, refillPerSecond: opts.requestsPerSecond }),
    maxRetries: 4,
  });
  let requestCount = 0;

  function detailOf(l: ApolloLookup) {
    const d: Record<string, string> = {};
    if (l.email) d.email = l.email;
    if (l.first_name) d.first_name = l.first_name;
    if (l.last_name) d.last_name = l.last_name;
    if (l.domain) d.domain = l.domain.replace(/^www\./, '');
    if (l.organization_name) d.organization_name = l.organization_name;
    return d;
  }

  function toMatch(l: ApolloLookup, person: ApolloPerson | null | undefined): ApolloMatch {
    if (!person) return { key: l.key, outcome: 'no_match' };
    const emailLocked = person.email?.toLowerCase() === LOCKED_EMAIL;
    return {
      key: l.key,
      outcome: 'enriched',
      person: emailLocked ? { ...person, email: null } : person,
      emailLocked,
    };
  }

  function parsed<T>(schema: z.ZodType<T>, body: unknown): T {
    const r = schema.safeParse(body);
    if (!r.success)
      throw new UpstreamError('apollo', 200, '', 'apollo returned an answer of an unexpected shape');
    return r.data;
  }

  // Bulk answers may come back re-ordered: a returned person is matched to a lookup by email, then name.
  function pairUp(batch: readonly ApolloLookup[], people: readonly (ApolloPerson | null)[]) {
    const left = new Set(people.map((_, i) => i));
    const norm = (s: string | null | undefined) => (s ?? '').trim().toLowerCase();
    const take = (pred: (p: ApolloPerson) => boolean) => {
      for (const i of left) {
        const p = people[i];
        if (p && pred(p)) {
          left.delete(i);
          return p;
        }
      }
      return null;
    };
    return batch.map((l, index) => {
      const byEmail = l.email ? take((p) => norm(p.email) === norm(l.email)) : null;
      if (byEmail) return toMatch(l, byEmail);
      const byName =
        l.first_name && l.last_name
          ? take((p) => norm(p.first_name) === norm(l.first_name) && norm(p.last_name) === norm(l.last_name))
          : null;
      if (byName) return toMatch(l, byName);
      // Unidentifiable answers (a locked email, no name) fall back to the position they came in.
      if (left.has(index) && people[index] && !people[index]!.first_name) {
        left.delete(index);
        return toMatch(l, people[index]);
      }
      return toMatch(l, null);
    });
  }

  return {
    get requestCount() {
      return requestCount;
    },
    async matchPeople(lookups) {
      const out: ApolloMatch[] = [];
      for (let start = 0; start < lookups.length; start += APOLLO_BULK_LIMIT) {
        const batch = lookups.slice(start, start + APOLLO_BULK_LIMIT);
        requestCount++;
        if (batch.length === 1) {
          const body = await http.post('people/match', detailOf(batch[0]!));
          out.push(toMatch(batch[0]!, parsed(singleAnswerSchema, body).person));
        } else {
          const body = await http.post('people/bulk_match', { details: batch.map(detailOf) });
          out.push(...pairUp(batch, parsed(bulkAnswerSchema, body).matches));
        }
      }
      return out;
    },
  };
}
