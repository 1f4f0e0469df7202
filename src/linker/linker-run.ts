/** One linker run (internal-meeting filter, then the three tiers) and the coverage it leaves behind. */
import type { Db, Queryable } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { type ChunkedTable, type IdRange, idRanges, idsInRange } from '../db/id-ranges.ts';
import { refreshStatistics } from '../db/table-statistics.ts';
import { storeAccountDomains } from './account-domains.ts';
import { storeCallFacts } from './call-facts.ts';
import { withDeferredCwdRefresh } from './cwd-refresh.ts';
import { withHashJoins } from './hash-join-plan.ts';
import {
  type ResolvedInternalDomains,
  resolveInternalDomains,
  storeInternalDomains,
} from './internal-domains.ts';
import {
  type ClassificationResult,
  classifyConversations,
  clearInternalLinks,
  mergeClassifications,
} from './internal-meeting-filter.ts';
import { type AutoLinkMethod, type LinkOptions, linkConversations } from './link-conversations.ts';

export interface LinkerRunResult {
  internal_domains: { domains: string[]; decided_by: ResolvedInternalDomains['decided_by'] };
  classification: ClassificationResult;
  internal_links_cleared: number;
  /** Conversations whose link this run wrote, by the tier (link_method) they now carry. */
  tiers: Record<AutoLinkMethod, number>;
  links_changed: number;
  coverage: LinkerCoverage;
  elapsed_ms: { classify: number; link: number; total: number };
}

export interface LinkerCoverage {
  conversations: number;
  internal: number;
  unclassified: number;
  external: number;
  linked_to_deal: number;
  account_only: number;
  contact_only: number;
  unlinked: number;
  by_link_method: Record<string, number>;
  deal_link_rate: number | null;
  account_link_rate: number | null;
}

/** Runs one piece of a pass: in the caller's transaction, or in a short transaction of its own. */
type InChunk = <T>(work: (q: Queryable) => Promise<T>) => Promise<T>;

// Conversations per chunk when a run is cut into transactions: each chunk's statements stay well under
// a few hundred milliseconds on the embedded backend (a chunk probes the contacts, accounts and deals of
// its own participants by index, a cost that grows with the chunk, not with the workspace).
export const LINKER_CHUNK_CONVERSATIONS = 500;
// Accounts per chunk when a chunked run stores their domains (account-domains.ts).
const LINKER_CHUNK_ACCOUNTS = 2000;

/**
 * Runs `work` once per range, each in its own chunk, on the range's ids of `table` (inIdList): given the
 * range alone, the planner estimates a range narrower than one histogram bucket at one row and plans the
 * chunk's joins for one row. `ranges` null: one chunk of every conversation (ids null).
 */
async function eachChunk<T>(
  inChunk: InChunk,
  workspaceId: string,
  ranges: readonly IdRange[] | null,
  work: (q: Queryable, ids: readonly string[] | null) => Promise<T>,
  table: ChunkedTable = 'conversations',
): Promise<T[]> {
  if (ranges === null) return [await inChunk((q) => work(q, null))];
  const results: T[] = [];
  for (const range of ranges) {
    results.push(await inChunk(async (q) => work(q, await idsInRange(q, table, workspaceId, range))));
  }
  return results;
}

async function classifyInRanges(inChunk: InChunk, workspaceId: string, ranges: readonly IdRange[] | null) {
  // Stored for the readers that need the answer on every request (conversations without deals).
  const resolved = await inChunk(async (q) => {
    const r = await resolveInternalDomains(q, workspaceId);
    await storeInternalDomains(q, workspaceId, r);
    return r;
  });
  const parts = await eachChunk(inChunk, workspaceId, ranges, (q, ids) =>
    withDeferredCwdRefresh(
      q,
      workspaceId,
      ids,
      () => withHashJoins(q, () => classifyConversations(q, workspaceId, resolved.domains, ids)),
      (c) => c.changed > 0,
    ),
  );
  const classification = parts.reduce(mergeClassifications, {
    changed: 0,
    internal: 0,
    external: 0,
    by_reason: {},
  });
  const cleared = await inChunk((q) => clearInternalLinks(q, workspaceId));
  return { resolved, classification, cleared };
}

async function linkerPass(
  inChunk: InChunk,
  workspaceId: string,
  ranges: readonly IdRange[] | null,
  options: LinkOptions,
): Promise<LinkerRunResult> {
  const started = performance.now();
  const { resolved, classification, cleared } = await classifyInRanges(inChunk, workspaceId, ranges);
  const classified = performance.now();
  const changed: Record<AutoLinkMethod, number> = {
    email_match: 0,
    domain_match: 0,
    crm_native_id: 0,
    single_deal_inference: 0,
  };
  const parts = await eachChunk(inChunk, workspaceId, ranges, (q, ids) =>
    withDeferredCwdRefresh(
      q,
      workspaceId,
      ids,
      async () => {
        const result = await withHashJoins(q, () =>
          linkConversations(q, workspaceId, resolved.domains, options, ids),
        );
        // The calls this chunk leaves without a deal keep what conversations-without-deals scores them on.
        const facts = await storeCallFacts(q, workspaceId, resolved.domains, ids);
        return { ...result, factsChanged: facts.stored + facts.dropped };
      },
      (r) => r.factsChanged > 0 || Object.values(r.changed).some((n) => n > 0),
    ),
  );
  for (const part of parts) {
    for (const [method, n] of Object.entries(part.changed)) changed[method as AutoLinkMethod] += n;
  }
  const linked = performance.now();
  return {
    internal_domains: { domains: resolved.domains, decided_by: resolved.decided_by },
    classification,
    internal_links_cleared: cleared,
    tiers: changed,
    links_changed: Object.values(changed).reduce((a, b) => a + b, 0),
    coverage: await inChunk((q) => linkerCoverage(q, workspaceId)),
    elapsed_ms: {
      classify: Math.round(classified - started),
      link: Math.round(linked - classified),
      total: Math.round(linked - started),
    },
  };
}

/** Step 0 alone: resolve the internal domains and classify; withdraws automatic links from internal calls. */
export function runInternalMeetingFilter(q: Queryable, workspaceId: string) {
  return classifyInRanges((work) => work(q), workspaceId, null);
}

/** The filter and the linker in the caller's transaction (one atomic pass). */
export function runLinker(
  q: Queryable,
  workspaceId: string,
  options: LinkOptions = {},
): Promise<LinkerRunResult> {
  return linkerPass((work) => work(q), workspaceId, null, options);
}

/**
 * Each piece of work in a short committed transaction of its own, as background work (on the embedded
 * backend requests are answered between two), run again when PostgreSQL aborts it to break a deadlock.
 */
function committedChunks(db: Db, workspaceId: string): InChunk {
  return (work) => withWorkspace(db, workspaceId, work, { background: true, retryConflicts: true });
}

/**
 * The same pass cut into short committed transactions of at most LINKER_CHUNK_CONVERSATIONS
 * conversations each, run as background work: on the embedded backend requests are answered between
 * chunks. A run stopped half way leaves some conversations re-linked and the rest as they were, which
 * the next run (idempotent) completes.
 */
export async function runLinkerInChunks(
  db: Db,
  workspaceId: string,
  // chunkSize: conversations per chunk, and accounts per chunk of their stored domains.
  opts: LinkOptions & { chunkSize?: number } = {},
): Promise<LinkerRunResult> {
  const inChunk = committedChunks(db, workspaceId);
  const ranges = await inChunk((q) =>
    idRanges(q, 'conversations', workspaceId, opts.chunkSize ?? LINKER_CHUNK_CONVERSATIONS),
  );
  // The chunks probe the account domains stored here; statistics show the planner the table's size.
  const accountRanges = await inChunk((q) =>
    idRanges(q, 'accounts', workspaceId, opts.chunkSize ?? LINKER_CHUNK_ACCOUNTS),
  );
  const written = await eachChunk(
    inChunk,
    workspaceId,
    accountRanges,
    (q, ids) => withHashJoins(q, () => storeAccountDomains(q, workspaceId, ids)),
    'accounts',
  );
  await refreshStatistics(db, { linker_account_domains: written.reduce((a, b) => a + b, 0) });
  return linkerPass(inChunk, workspaceId, ranges, opts);
}

/** Step 0 alone, in chunks (see runLinkerInChunks). */
export async function runInternalMeetingFilterInChunks(db: Db, workspaceId: string) {
  const inChunk = committedChunks(db, workspaceId);
  const ranges = await inChunk((q) => idRanges(q, 'conversations', workspaceId, LINKER_CHUNK_CONVERSATIONS));
  return classifyInRanges(inChunk, workspaceId, ranges);
}

export async function linkerCoverage(q: Queryable, workspaceId: string): Promise<LinkerCoverage> {
  const { rows } = await q.query<{ kind: string; link_method: string | null; n: number }>(
    /* sql */ `SELECT CASE WHEN is_internal IS NULL THEN 'unclassified'
                        WHEN is_internal THEN 'internal'
                        WHEN deal_id IS NOT NULL THEN 'linked_to_deal'
                        WHEN account_id IS NOT NULL THEN 'account_only'
                        WHEN contact_id IS NOT NULL THEN 'contact_only'
                        ELSE 'unlinked' END AS kind,
                   link_method, count(*)::int AS n
              FROM conversations WHERE workspace_id = $1::uuid
             GROUP BY 1, 2`,
    [workspaceId],
  );
  const c: LinkerCoverage = {
    conversations: 0,
    internal: 0,
    unclassified: 0,
    external: 0,
    linked_to_deal: 0,
    account_only: 0,
    contact_only: 0,
    unlinked: 0,
    by_link_method: {},
    deal_link_rate: null,
    account_link_rate: null,
  };
  for (const r of rows) {
    const n = Number(r.n);
    c.conversations += n;
    (c as unknown as Record<string, number>)[r.kind]! += n;
    if (r.kind !== 'internal' && r.kind !== 'unclassified') c.external += n;
    if (r.link_method) c.by_link_method[r.link_method] = (c.by_link_method[r.link_method] ?? 0) + n;
  }
  if (c.external > 0) {
    c.deal_link_rate = Math.round((c.linked_to_deal / c.external) * 10_000) / 10_000;
    c.account_link_rate = Math.round(((c.linked_to_deal + c.account_only) / c.external) * 10_000) / 10_000;
  }
  return c;
}

export interface MonthlyCoverage {
  month: string;
  external: number;
  linked_to_deal: number;
  account_only: number;
  unlinked: number;
  deal_link_rate: number | null;
}

/**
 * Coverage by the month each external call took place, newest `months` months: how well each month's
 * calls are tied to deals now (a later linker run or manual link raises an old month's rate).
 */
export async function linkerCoverageByMonth(
  q: Queryable,
  workspaceId: string,
  months: number,
): Promise<MonthlyCoverage[]> {
  const { rows } = await q.query<Omit<MonthlyCoverage, 'deal_link_rate'>>(
    /* sql */ `SELECT to_char(date_trunc('month', started_at), 'YYYY-MM') AS month,
                   count(*)::int AS external,
                   count(*) FILTER (WHERE deal_id IS NOT NULL)::int AS linked_to_deal,
                   count(*) FILTER (WHERE deal_id IS NULL AND account_id IS NOT NULL)::int AS account_only,
                   count(*) FILTER (WHERE deal_id IS NULL AND account_id IS NULL)::int AS unlinked
              FROM conversations
             WHERE workspace_id = $1::uuid AND is_internal = false AND started_at IS NOT NULL
               AND started_at >= date_trunc('month', now()) - make_interval(months => $2::int - 1)
             GROUP BY 1 ORDER BY 1`,
    [workspaceId, months],
  );
  return rows.map((r) => ({
    ...r,
    deal_link_rate: r.external > 0 ? Math.round((r.linked_to_deal / r.external) * 10_000) / 10_000 : null,
  }));
}
