/**
 * Step 3: Apollo People enrichment of the deals' contacts. A contact whose answer (a person, a locked
 * email or a no-match) was fetched within the TTL on any of its deal links is served from there and costs
 * no request; the others are looked up by email, else name and company domain, ten to a bulk request,
 * within the workspace's request budget. A request that fails after its retries stops the step: the
 * contacts not yet looked up are marked failed and the next run tries them again.
 */
import { UpstreamAuthError } from '../connectors/http-client.ts';
import { requestBudget } from '../connectors/request-budget.ts';
import type { Queryable } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import {
  APOLLO_BULK_LIMIT,
  type ApolloLookup,
  type ApolloMatch,
  createApolloClient,
} from './apollo-client.ts';
import type { ContactOnDeal } from './deal-context.ts';
import { disabled, type EnrichmentStep, notConfigured, type PipelineState } from './enrichment-steps.ts';

interface ContactUpdate {
  /** Every deal link of the contact within the run. */
  ids: string[];
  status: 'enriched' | 'no_match' | 'email_locked' | 'not_configured' | 'failed' | 'pending';
  data?: unknown;
  fetched_at?: string | null;
}

async function writeUpdates(q: Queryable, workspaceId: string, updates: readonly ContactUpdate[]) {
  const rows = updates.flatMap((u) =>
    u.ids.map((id) => ({
      id,
      status: u.status,
      data: u.data === undefined ? null : u.data,
      fetched_at: u.fetched_at ?? null,
      keep: u.data === undefined,
    })),
  );
  if (rows.length === 0) return;
  // `keep`: a status-only update (not configured, failed) leaves what an earlier run fetched in place.
  await q.query(
    /* sql */ `UPDATE deal_contacts dc SET enrichment_status = v.status,
       apollo_data = CASE WHEN v.keep THEN dc.apollo_data ELSE v.data END,
       apollo_fetched_at = CASE WHEN v.keep THEN dc.apollo_fetched_at ELSE v.fetched_at END,
       enriched_at = CASE WHEN v.keep THEN dc.enriched_at ELSE now() END, updated_at = now()
     FROM jsonb_to_recordset($2::jsonb) AS v(id uuid, status text, data jsonb, fetched_at timestamptz, keep boolean)
     WHERE dc.workspace_id = $1::uuid AND dc.id = v.id`,
    [workspaceId, JSON.stringify(rows)],
  );
}

/** The freshest answer within the TTL per contact, from any of its deal links. */
async function cachedAnswers(
  q: Queryable,
  workspaceId: string,
  contactIds: readonly string[],
  ttlDays: number,
) {
  const { rows } = await q.query<{
    contact_id: string;
    status: ContactUpdate['status'];
    data: unknown;
    fetched_at: string;
  }>(
    /* sql */ `SELECT DISTINCT ON (contact_id) contact_id, enrichment_status AS status, apollo_data AS data,
       apollo_fetched_at::text AS fetched_at
     FROM deal_contacts
     WHERE workspace_id = $1::uuid AND contact_id = ANY($2::uuid[])
       AND enrichment_status IN ('enriched', 'no_match', 'email_locked')
       AND apollo_fetched_at > now() - make_interval(days => $3::int)
     ORDER BY contact_id, apollo_fetched_at DESC`,
    [workspaceId, contactIds, ttlDays],
  );
  return new Map(rows.map((r) => [r.contact_id, r]));
}

/**
 * By email, else name and company domain. Names and domain go along with an email too: Apollo matches
 * better, and an answer whose email is locked can still be paired back to its lookup by name.
 */
function lookupOf(c: ContactOnDeal, domain: string | null): ApolloLookup | null {
  const first = c.first_name?.trim() || null;
  const last = c.last_name?.trim() || null;
  const email = c.email?.includes('@') ? c.email.trim() : null;
  if (!email && !(first && last && domain)) return null;
  return { key: c.contact_id, email, first_name: first, last_name: last, domain };
}

function updateOf(ids: string[], m: ApolloMatch, fetchedAt: string): ContactUpdate {
  if (m.outcome === 'no_match') return { ids, status: 'no_match', data: null, fetched_at: fetchedAt };
  return { ids, status: m.emailLocked ? 'email_locked' : 'enriched', data: m.person, fetched_at: fetchedAt };
}

export const apolloStep: EnrichmentStep = {
  name: 'apollo',
  async run(state: PipelineState) {
    const { deps, workspaceId, settings } = state;
    // Every deal link of each contact, and the domain of the account it was seen at.
    const contacts = new Map<string, { contact: ContactOnDeal; ids: string[]; domain: string | null }>();
    for (const deal of state.deals)
      for (const c of deal.contacts) {
        const entry = contacts.get(c.contact_id) ?? { contact: c, ids: [], domain: null };
        entry.ids.push(c.deal_contact_id);
        entry.domain ??=
          deal.account?.domain
            ?.trim()
            .toLowerCase()
            .replace(/^www\./, '') || null;
        contacts.set(c.contact_id, entry);
      }
    const summary = {
      contacts: contacts.size,
      cached: 0,
      looked_up: 0,
      enriched: 0,
      email_locked: 0,
      no_match: 0,
      not_matchable: 0,
      failed: 0,
      requests: 0,
    };
    if (!settings.steps.apollo) return disabled('apollo');
    const scope = <T>(fn: (q: Queryable) => Promise<T>) => withWorkspace(deps.db, workspaceId, fn);
    if (!settings.apolloApiKey) {
      const untouched = [...contacts.values()].filter(
        (e) => !e.contact.enrichment_status || e.contact.enrichment_status === 'pending',
      );
      await scope((q) =>
        writeUpdates(
          q,
          workspaceId,
          untouched.map((e) => ({ ids: e.ids, status: 'not_configured' })),
        ),
      );
      return notConfigured('Apollo (no API key)', summary);
    }

    const cached = await scope((q) => cachedAnswers(q, workspaceId, [...contacts.keys()], settings.ttlDays));
    const fromCache: ContactUpdate[] = [];
    const lookups: ApolloLookup[] = [];
    const notMatchable: ContactUpdate[] = [];
    for (const [id, e] of contacts) {
      const hit = cached.get(id);
      if (hit) {
        summary.cached++;
        fromCache.push({ ids: e.ids, status: hit.status, data: hit.data, fetched_at: hit.fetched_at });
        continue;
      }
      const lookup = lookupOf(e.contact, e.domain);
      if (lookup) lookups.push(lookup);
      else {
        summary.not_matchable++;
        notMatchable.push({ ids: e.ids, status: 'pending' });
      }
    }
    await scope((q) => writeUpdates(q, workspaceId, [...fromCache, ...notMatchable]));

    const client = createApolloClient({
      apiKey: settings.apolloApiKey,
      baseUrl: settings.apolloBaseUrl,
      workspaceId,
      requestsPerSecond: settings.apolloPerSecond,
      budget: requestBudget(deps.db, `apollo:${workspaceId}`, {
        capacity: 1,
        refillPerSecond: settings.apolloPerSecond,
      }),
    });
    let error: string | undefined;
    for (let start = 0; start < lookups.length; start += APOLLO_BULK_LIMIT) {
      const batch = lookups.slice(start, start + APOLLO_BULK_LIMIT);
      try {
        const matches = await client.matchPeople(batch);
        const fetchedAt = new Date().toISOString();
        const updates = matches.map((m) => updateOf(contacts.get(m.key)!.ids, m, fetchedAt));
        await scope((q) => writeUpdates(q, workspaceId, updates));
        summary.looked_up += batch.length;
        for (const u of updates) {
          if (u.status === 'enriched') summary.enriched++;
          else if (u.status === 'email_locked') summary.email_locked++;
          else summary.no_match++;
        }
      } catch (err) {
        error =
          err instanceof UpstreamAuthError
            ? 'Apollo rejected the API key'
            : `Apollo request failed: ${err instanceof Error ? err.message : String(err)}`;
        const rest = lookups
          .slice(start)
          .map((l) => ({ ids: contacts.get(l.key)!.ids, status: 'failed' as const }));
        summary.failed += rest.length;
        await scope((q) => writeUpdates(q, workspaceId, rest));
        break;
      }
    }
    summary.requests = client.requestCount;
    return error ? { status: 'failed', summary, error } : { status: 'succeeded', summary };
  },
};
