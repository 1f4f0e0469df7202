/**
 * Extraction over a scope (one deal, one conversation, or everything pending): for each external
 * conversation on a deal, the transcript comes through the on-demand path (fetched once, cached), is
 * hashed, and is extracted only when the hash, the extractor or the deal changed since the last time, so
 * a re-run on unchanged transcripts writes nothing and spends no tokens. With no classify-tier model the
 * offline rules extract; a model run that fell back to offline is stored under the offline extractor's name.
 */
import type { Config } from '../config.ts';
import type { ConnectorContext } from '../connectors/adapter.ts';
import type { CredentialVault } from '../connectors/credential-vault.ts';
import { getTranscript } from '../conversations/transcripts.ts';
import type { Db, Queryable } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { getAdapter, hasAdapter } from '../connectors/registry.ts';
import { GoneError, NotFoundError } from '../errors.ts';
import { resolveInternalDomains } from '../linker/internal-domains.ts';
import { createLlmSession } from '../llm/llm-client.ts';
import type { Logger } from '../logger.ts';
import { getContextLayer } from '../workspaces/context-layer.ts';
import type { Transcript } from '../connectors/adapter.ts';
import type { ExtractionOutput, ExtractorIdentity } from './insight-types.ts';
import {
  getExtractionRecord,
  recordExtraction,
  retractConversation,
  storeExtraction,
} from './insight-store.ts';
import {
  EXTRACT_CHUNK_CONVERSATIONS,
  extractChunkOffline,
  extractionInput,
  isCached,
} from './extract-in-chunks.ts';
import { extractWithModel, PROMPT_VERSION } from './model-extractor.ts';
import { extractOffline, OFFLINE_EXTRACTOR } from './offline-extractor.ts';
import { type Participant, transcriptHash } from './transcript-lines.ts';

export interface InsightDeps {
  db: Db;
  config: Pick<Config, 'llm'>;
  vault: CredentialVault;
  log: Logger;
  /** Connector contexts for transcripts not fetched yet; without it only cached transcripts are read. */
  contextFor?: (workspaceId: string, connectorName: string) => Promise<ConnectorContext>;
}

export type ExtractScope =
  | { kind: 'deal'; deal_id: string }
  | { kind: 'conversation'; conversation_id: string }
  | { kind: 'pending' };

export interface ExtractTotals {
  conversations: number;
  extracted: number;
  cached: number;
  retracted: number;
  no_transcript: number;
  failed: number;
  insights_written: number;
  quotes_rejected: number;
  input_tokens: number;
  output_tokens: number;
  extractor: string;
  notes: string[];
  /**
   * Conversations left pending per source: no stored transcript, and the workspace has no connection
   * (or no transcript-capable connector) to fetch it from. They are extracted once one exists.
   */
  skipped_no_source: Record<string, number>;
}

interface ConversationRow {
  id: string;
  source: string;
  deal_id: string | null;
  is_internal: boolean | null;
  is_tracked: boolean;
  started_at: Date | string | null;
  participants: Participant[];
  transcript_status: string;
  transcript: Transcript | null;
  deal_name: string | null;
}

// External conversations on a deal whose last extraction is missing, failed, for another deal, by another
// extractor, older than the transcript, or whose rows are on a deal the conversation left.
const PENDING_SQL = /* sql */ `
  SELECT c.id FROM conversations c
  LEFT JOIN insight_extractions e ON e.workspace_id = c.workspace_id AND e.conversation_id = c.id
  WHERE c.workspace_id = $1::uuid AND c.is_tracked AND c.is_internal IS NOT TRUE AND c.deal_id IS NOT NULL
    AND (e.conversation_id IS NULL OR e.status = 'failed' OR e.deal_id IS DISTINCT FROM c.deal_id
         OR e.extractor <> $2 OR e.extractor_version <> $3
         OR (c.transcript_fetched_at IS NOT NULL AND c.transcript_fetched_at > e.extracted_at))
  UNION
  SELECT e.conversation_id FROM insight_extractions e
  JOIN conversations c ON c.workspace_id = e.workspace_id AND c.id = e.conversation_id
  WHERE e.workspace_id = $1::uuid AND (c.deal_id IS DISTINCT FROM e.deal_id OR c.is_internal IS TRUE OR NOT c.is_tracked)
  ORDER BY 1`;

export async function pendingConversationIds(
  q: Queryable,
  workspaceId: string,
  identity: ExtractorIdentity,
): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(PENDING_SQL, [
    workspaceId,
    identity.extractor,
    identity.version,
  ]);
  return rows.map((r) => r.id);
}

async function scopeIds(q: Queryable, workspaceId: string, scope: ExtractScope, identity: ExtractorIdentity) {
  if (scope.kind === 'conversation') return [scope.conversation_id];
  if (scope.kind === 'pending') return pendingConversationIds(q, workspaceId, identity);
  const { rows } = await q.query<{ id: string }>(
    /* sql */ `SELECT id FROM conversations WHERE workspace_id = $1::uuid AND deal_id = $2::uuid
               UNION SELECT conversation_id FROM insight_extractions WHERE workspace_id = $1::uuid AND deal_id = $2::uuid
               ORDER BY 1`,
    [workspaceId, scope.deal_id],
  );
  return rows.map((r) => r.id);
}

/** The extractor a workspace uses now: its classify-tier model, or the offline rules. */
export async function currentExtractor(
  deps: InsightDeps,
  workspaceId: string,
): Promise<{ identity: ExtractorIdentity; llm: ReturnType<typeof createLlmSession> | null }> {
  const llm = createLlmSession(
    { db: deps.db, config: deps.config.llm, vault: deps.vault, log: deps.log },
    workspaceId,
  );
  const tier = (await llm.describe()).classify;
  if (tier.provider === 'offline') return { identity: { ...OFFLINE_EXTRACTOR }, llm: null };
  return {
    identity: {
      extractor: `model:${tier.provider}/${tier.model}`,
      version: '1',
      prompt_version: PROMPT_VERSION,
    },
    llm,
  };
}

export async function extractInsights(
  deps: InsightDeps,
  workspaceId: string,
  scope: ExtractScope,
  onProgress?: (done: number, total: number) => void,
): Promise<ExtractTotals> {
  const { identity, llm } = await currentExtractor(deps, workspaceId);
  const setup = await withWorkspace(deps.db, workspaceId, async (tx) => ({
    ids: await scopeIds(tx, workspaceId, scope, identity),
    internal: new Set((await resolveInternalDomains(tx, workspaceId)).domains),
    competitors: (await getContextLayer(tx, workspaceId)).definitions.competitors ?? [],
  }));
  const totals: ExtractTotals = {
    conversations: setup.ids.length,
    extracted: 0,
    cached: 0,
    retracted: 0,
    no_transcript: 0,
    failed: 0,
    insights_written: 0,
    quotes_rejected: 0,
    input_tokens: 0,
    output_tokens: 0,
    extractor: `${identity.extractor}@${identity.version}`,
    notes: [],
    skipped_no_source: {},
  };
  const run = { identity, llm, sourceContext: transcriptSources(deps, workspaceId), ...setup };
  const perCall = async (id: string) => {
    try {
      await extractOne(deps, workspaceId, id, run, totals);
    } catch (err) {
      totals.failed++;
      const message = err instanceof Error ? err.message : String(err);
      deps.log.warn({ workspaceId, conversationId: id, err: message }, 'insight extraction failed');
      await withWorkspace(deps.db, workspaceId, (tx) =>
        recordExtraction(tx, workspaceId, id, {
          deal_id: null,
          status: 'failed',
          transcript_hash: null,
          identity,
          insights_written: 0,
          quotes_rejected: 0,
          input_tokens: 0,
          output_tokens: 0,
          error: message,
        }),
      ).catch(() => undefined);
    }
  };
  // A model answers one call at a time; the offline rules take a chunk of calls per transaction.
  const step = llm ? 1 : EXTRACT_CHUNK_CONVERSATIONS;
  for (let at = 0; at < setup.ids.length; at += step) {
    const chunk = setup.ids.slice(at, at + step);
    if (llm) await perCall(chunk[0]!);
    else await extractChunkOffline(deps.db, workspaceId, chunk, run, totals, perCall);
    onProgress?.(at + chunk.length, setup.ids.length);
  }
  const skipped = Object.values(totals.skipped_no_source).reduce((a, b) => a + b, 0);
  if (skipped > 0)
    deps.log.info(
      { workspaceId, skipped: totals.skipped_no_source },
      `insight extraction skipped ${skipped} conversations: no stored transcript and no connection to fetch it from`,
    );
  return totals;
}

/**
 * Per run, the connector context each conversation source fetches transcripts through, or null when the
 * workspace has no (connected) connection for it or its connector serves no transcripts: looked up once
 * per source, so a run over a thousand calls of a missing source costs one lookup.
 */
function transcriptSources(deps: InsightDeps, workspaceId: string) {
  const contexts = new Map<string, Promise<ConnectorContext | null>>();
  return (source: string): Promise<ConnectorContext | null> => {
    let found = contexts.get(source);
    if (!found) {
      const contextFor = deps.contextFor;
      found =
        contextFor && hasAdapter(source) && getAdapter(source).fetchTranscript
          ? contextFor(workspaceId, source).catch((err: unknown) => {
              if (err instanceof NotFoundError) return null;
              contexts.delete(source); // a passing failure (the database) is tried again by the next call
              throw err;
            })
          : Promise.resolve(null);
      contexts.set(source, found);
    }
    return found;
  };
}

async function extractOne(
  deps: InsightDeps,
  workspaceId: string,
  conversationId: string,
  run: {
    identity: ExtractorIdentity;
    llm: ReturnType<typeof createLlmSession> | null;
    sourceContext: ReturnType<typeof transcriptSources>;
    internal: Set<string>;
    competitors: readonly string[];
  },
  totals: ExtractTotals,
) {
  const { conv, previous } = await withWorkspace(deps.db, workspaceId, async (tx) => {
    const { rows } = await tx.query<ConversationRow>(
      /* sql */ `SELECT c.id, c.source, c.deal_id, c.is_internal, c.is_tracked, c.started_at, c.participants,
                        c.transcript_status, c.transcript, d.name AS deal_name
                 FROM conversations c LEFT JOIN deals d ON d.workspace_id = c.workspace_id AND d.id = c.deal_id
                 WHERE c.workspace_id = $1::uuid AND c.id = $2::uuid`,
      [workspaceId, conversationId],
    );
    return { conv: rows[0], previous: await getExtractionRecord(tx, workspaceId, conversationId) };
  });
  if (!conv) return;
  if (!conv.deal_id || conv.is_internal === true || !conv.is_tracked) {
    if (previous) {
      await withWorkspace(deps.db, workspaceId, (tx) => retractConversation(tx, workspaceId, conversationId));
      totals.retracted++;
    }
    return;
  }
  // The stored transcript first; the source is asked only when there is none.
  let transcript = conv.transcript_status === 'fetched' ? conv.transcript : null;
  if (!transcript) {
    if (conv.transcript_status === 'unavailable') {
      await noTranscript(deps, workspaceId, conv, run.identity, 'the source no longer has the transcript');
      totals.no_transcript++;
      return;
    }
    const source = await run.sourceContext(conv.source);
    if (!source) {
      // Left pending, not failed: connecting the source later makes it extractable.
      totals.skipped_no_source[conv.source] = (totals.skipped_no_source[conv.source] ?? 0) + 1;
      return;
    }
    try {
      transcript = (
        await getTranscript({ db: deps.db, contextFor: async () => source }, workspaceId, conv.id)
      ).transcript;
    } catch (err) {
      if (!(err instanceof GoneError)) throw err;
      await noTranscript(deps, workspaceId, conv, run.identity, err.message);
      totals.no_transcript++;
      return;
    }
  }
  const hash = transcriptHash(transcript);
  if (isCached(previous, hash, conv.deal_id, run.identity)) {
    totals.cached++;
    return;
  }
  const { lines, ctx } = extractionInput(conv, transcript, run);
  let out: ExtractionOutput;
  if (run.llm) {
    const model = await extractWithModel(run.llm, lines, ctx);
    totals.input_tokens += model.input_tokens;
    totals.output_tokens += model.output_tokens;
    if (model.fell_back) {
      // A partial model answer is not mixed with rules: the whole call is extracted by the rules, named so.
      out = {
        ...extractOffline(lines, ctx),
        input_tokens: model.input_tokens,
        output_tokens: model.output_tokens,
      };
      totals.notes.push(...new Set(model.notes));
    } else out = model;
  } else out = extractOffline(lines, ctx);
  const dealId = conv.deal_id;
  const stored = await withWorkspace(deps.db, workspaceId, (tx) =>
    storeExtraction(tx, workspaceId, { conversation_id: conv.id, deal_id: dealId }, hash, out),
  );
  totals.extracted++;
  totals.insights_written += stored.written;
  totals.quotes_rejected += out.quotes_rejected;
}

async function noTranscript(
  deps: InsightDeps,
  workspaceId: string,
  conv: ConversationRow,
  identity: ExtractorIdentity,
  reason: string,
) {
  await withWorkspace(deps.db, workspaceId, (tx) =>
    recordExtraction(tx, workspaceId, conv.id, {
      deal_id: conv.deal_id,
      status: 'no_transcript',
      transcript_hash: null,
      identity,
      insights_written: 0,
      quotes_rejected: 0,
      input_tokens: 0,
      output_tokens: 0,
      error: reason,
    }),
  );
}
