/**
 * Step 4: company signals. Each deal's account is searched on Serper (news and web) unless it was searched
 * within the TTL; the results are classified into the eleven signal types by the classify tier, or by the
 * offline keyword rules when no model is configured or it fails (each row names which decided), and kept
 * in account_signals, deduplicated by URL per account.
 */
import { UpstreamAuthError } from '../connectors/http-client.ts';
import { requestBudget } from '../connectors/request-budget.ts';
import type { Queryable } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { UpstreamError } from '../errors.ts';
import { classifyItems, offlineCategory } from '../llm/classify-batch.ts';
import { createLlmSession } from '../llm/llm-client.ts';
import { disabled, type EnrichmentStep, notConfigured, type PipelineState } from './enrichment-steps.ts';
import { createSerperClient, parseDisplayDate, type SearchResult } from './serper-client.ts';
import { SIGNAL_CATEGORIES, SIGNAL_CONFIDENCE } from './signal-types.ts';

export const OFFLINE_SIGNAL_CLASSIFIER = 'offline_rules';

/** The URL a result is deduplicated by: no fragment, no trailing slash. */
export function signalUrlKey(link: string): string {
  try {
    const u = new URL(link.trim());
    u.hash = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return link.trim();
  }
}

async function recentlySearched(
  q: Queryable,
  workspaceId: string,
  accountIds: readonly string[],
  ttlDays: number,
) {
  const { rows } = await q.query<{ account_id: string }>(
    /* sql */ `SELECT account_id FROM account_signal_searches
     WHERE workspace_id = $1::uuid AND account_id = ANY($2::uuid[])
       AND searched_at > now() - make_interval(days => $3::int)`,
    [workspaceId, accountIds, ttlDays],
  );
  return new Set(rows.map((r) => r.account_id));
}

interface SignalRow {
  source_url: string;
  headline: string;
  snippet: string | null;
  published_at: string | null;
  published_text: string | null;
  signal_type: string;
  confidence: number;
  classifier: string;
}

async function storeSignals(
  q: Queryable,
  workspaceId: string,
  accountId: string,
  signals: readonly SignalRow[],
  classifier: string,
): Promise<number> {
  const inserted = signals.length
    ? await q.query(
        /* sql */ `INSERT INTO account_signals (workspace_id, account_id, signal_type, headline, snippet, source_url,
           published_at, published_text, confidence, classifier)
         SELECT $1::uuid, $2::uuid, v.signal_type, v.headline, v.snippet, v.source_url, v.published_at,
           v.published_text, v.confidence, v.classifier
         FROM jsonb_to_recordset($3::jsonb) AS v(signal_type text, headline text, snippet text, source_url text,
           published_at date, published_text text, confidence real, classifier text)
         ON CONFLICT (workspace_id, account_id, source_url) DO NOTHING`,
        [workspaceId, accountId, JSON.stringify(signals)],
      )
    : { rowCount: 0 };
  await q.query(
    /* sql */ `INSERT INTO account_signal_searches (workspace_id, account_id, searched_at, results, classifier)
     VALUES ($1::uuid, $2::uuid, now(), $3, $4)
     ON CONFLICT (workspace_id, account_id) DO UPDATE
       SET searched_at = now(), results = EXCLUDED.results, classifier = EXCLUDED.classifier`,
    [workspaceId, accountId, signals.length, classifier],
  );
  return inserted.rowCount;
}

/** Labels each result; says whether the model or the offline rules decided. */
async function classify(state: PipelineState, results: readonly SearchResult[]) {
  const { deps, workspaceId } = state;
  const llm = createLlmSession(
    { db: deps.db, config: deps.config.llm, vault: deps.vault, log: deps.log },
    workspaceId,
  );
  const items = results.map((r, i) => ({ id: String(i), text: `${r.title}. ${r.snippet ?? ''}` }));
  const outcome = await classifyItems(llm, 'enrichment.signals', items, SIGNAL_CATEGORIES, {
    fallback: 'other',
  });
  const model = [...outcome.providers].find((p) => !p.startsWith('offline'));
  const byModel = model !== undefined && outcome.providers.size === 1;
  const classifier = byModel ? `model:${model.replace(':', '/')}` : OFFLINE_SIGNAL_CLASSIFIER;
  return {
    classifier,
    rows: results.map((r, i): SignalRow => {
      const label = outcome.labels.get(String(i)) ?? 'other';
      const ruleHit = offlineCategory(items[i]!.text, SIGNAL_CATEGORIES, 'other') !== 'other';
      return {
        source_url: signalUrlKey(r.link),
        headline: r.title.slice(0, 500),
        snippet: r.snippet?.slice(0, 2000) ?? null,
        published_at: parseDisplayDate(r.date, state.now),
        published_text: r.date,
        signal_type: label,
        confidence: byModel
          ? SIGNAL_CONFIDENCE.model
          : ruleHit
            ? SIGNAL_CONFIDENCE.rules
            : SIGNAL_CONFIDENCE.fallback,
        classifier,
      };
    }),
  };
}

export const signalsStep: EnrichmentStep = {
  name: 'signals',
  async run(state: PipelineState) {
    const { deps, workspaceId, settings } = state;
    const accounts = new Map<string, string>();
    for (const d of state.deals)
      if (d.account?.name?.trim()) accounts.set(d.account.id, d.account.name.trim());
    const summary = {
      accounts: accounts.size,
      cached: 0,
      searched: 0,
      results: 0,
      signals_new: 0,
      failed: 0,
      requests: 0,
      classifier: null as string | null,
    };
    if (!settings.steps.signals) return disabled('signals');
    if (!settings.serperApiKey) return notConfigured('Serper (no API key)', summary);
    const scope = <T>(fn: (q: Queryable) => Promise<T>) => withWorkspace(deps.db, workspaceId, fn);
    const fresh = await scope((q) =>
      recentlySearched(q, workspaceId, [...accounts.keys()], settings.ttlDays),
    );
    const client = createSerperClient({
      apiKey: settings.serperApiKey,
      baseUrl: settings.serperBaseUrl,
      workspaceId,
      requestsPerSecond: settings.serperPerSecond,
      budget: requestBudget(deps.db, `serper:${workspaceId}`, {
        capacity: 1,
        refillPerSecond: settings.serperPerSecond,
      }),
    });
    const classifiers = new Set<string>();
    let error: string | undefined;
    for (const [accountId, name] of accounts) {
      if (fresh.has(accountId)) {
        summary.cached++;
        continue;
      }
      try {
        const quoted = `"${name.replace(/"/g, '')}"`;
        const found = [
          ...(await client.search('news', quoted, { num: settings.signalsPerAccount })),
          ...(await client.search(
            'search',
            `${quoted} funding OR hiring OR acquisition OR partnership OR launch`,
            {
              num: settings.signalsPerAccount,
            },
          )),
        ];
        const unique = new Map<string, SearchResult>();
        for (const r of found) if (!unique.has(signalUrlKey(r.link))) unique.set(signalUrlKey(r.link), r);
        const { classifier, rows } = await classify(state, [...unique.values()]);
        classifiers.add(classifier);
        summary.searched++;
        summary.results += rows.length;
        summary.signals_new += await scope((q) => storeSignals(q, workspaceId, accountId, rows, classifier));
      } catch (err) {
        summary.failed++;
        error =
          err instanceof UpstreamAuthError
            ? 'Serper rejected the API key'
            : `Serper request failed: ${err instanceof Error ? err.message : String(err)}`;
        // A rejected key or spent credits (Serper's 400) answer every account alike: stop asking.
        if (err instanceof UpstreamAuthError || (err instanceof UpstreamError && err.status === 400)) break;
      }
    }
    summary.requests = client.requestCount;
    summary.classifier = classifiers.size === 0 ? null : [...classifiers].sort().join(', ');
    return error ? { status: 'failed', summary, error } : { status: 'succeeded', summary };
  },
};
