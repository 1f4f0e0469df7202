/**
 * The offline path of an extraction run, set-based: a chunk of conversations is read with its
 * transcripts and previous extraction records in one statement, extracted by the offline rules in
 * memory, and stored (new rows, supersession, extraction records) in a few statements in one background
 * transaction, so on the embedded backend requests are answered between chunks. Calls with nothing to do
 * (off a deal with no extraction to retract, or without a transcript and with no connection to fetch it
 * from) are settled here as the per-call path would settle them. A conversation that needs more (a
 * transcript to fetch or known gone, a retraction) or a chunk whose write fails is handed back to the
 * per-call path, which records its own failures, with a turn of the event loop between two calls.
 */
import type { Db } from '../db/db.ts';
import { eventLoopTurn } from '../db/event-loop-turn.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import type { Transcript } from '../connectors/adapter.ts';
import type { ExtractorIdentity } from './insight-types.ts';
import { type ExtractionToStore, storeExtractions } from './insight-store.ts';
import { extractOffline } from './offline-extractor.ts';
import { type Participant, transcriptHash, transcriptLines } from './transcript-lines.ts';

export const EXTRACT_CHUNK_CONVERSATIONS = 200;

/** What a previous extraction must match for the transcript not to be extracted again. */
export interface PreviousExtraction {
  status: string;
  transcript_hash: string | null;
  deal_id: string | null;
  extractor: string;
  extractor_version: string;
}

export function isCached(
  previous: PreviousExtraction | null | undefined,
  hash: string,
  dealId: string,
  identity: ExtractorIdentity,
): boolean {
  return (
    previous?.status === 'extracted' &&
    previous.transcript_hash === hash &&
    previous.deal_id === dealId &&
    previous.extractor === identity.extractor &&
    previous.extractor_version === identity.version
  );
}

/** The extractor's input for one call: its lines with speaker sides, and the call's context. */
export function extractionInput(
  conv: { participants: Participant[] | null; started_at: Date | string | null; deal_name: string | null },
  transcript: Transcript,
  run: { internal: Set<string>; competitors: readonly string[] },
) {
  return {
    lines: transcriptLines(transcript, conv.participants ?? [], run.internal),
    ctx: {
      callDate: conv.started_at ? new Date(conv.started_at) : new Date(),
      knownCompetitors: run.competitors,
      dealName: conv.deal_name,
    },
  };
}

interface ChunkRow {
  id: string;
  source: string;
  deal_id: string | null;
  is_internal: boolean | null;
  is_tracked: boolean;
  started_at: Date | string | null;
  participants: Participant[] | null;
  transcript_status: string;
  transcript: Transcript | null;
  deal_name: string | null;
  previous: PreviousExtraction | null;
}

export interface ChunkTotals {
  extracted: number;
  cached: number;
  insights_written: number;
  quotes_rejected: number;
  skipped_no_source: Record<string, number>;
}

export async function extractChunkOffline(
  db: Db,
  workspaceId: string,
  ids: readonly string[],
  run: {
    identity: ExtractorIdentity;
    internal: Set<string>;
    competitors: readonly string[];
    /** The connector context a source's transcripts are fetched through; null when there is none. */
    sourceContext: (source: string) => Promise<unknown>;
  },
  totals: ChunkTotals,
  perCall: (id: string) => Promise<void>,
): Promise<void> {
  let rows: ChunkRow[];
  try {
    rows = await withWorkspace(
      db,
      workspaceId,
      async (tx) =>
        (
          await tx.query<ChunkRow>(
            /* sql */ `SELECT c.id, c.source, c.deal_id, c.is_internal, c.is_tracked, c.started_at, c.participants,
                    c.transcript_status, c.transcript, d.name AS deal_name,
                    CASE WHEN e.conversation_id IS NULL THEN NULL ELSE jsonb_build_object('status', e.status,
                      'transcript_hash', e.transcript_hash, 'deal_id', e.deal_id, 'extractor', e.extractor,
                      'extractor_version', e.extractor_version) END AS previous
             FROM conversations c
             LEFT JOIN deals d ON d.workspace_id = c.workspace_id AND d.id = c.deal_id
             LEFT JOIN insight_extractions e ON e.workspace_id = c.workspace_id AND e.conversation_id = c.id
             WHERE c.workspace_id = $1::uuid AND c.id = ANY($2::uuid[])`,
            [workspaceId, ids],
          )
        ).rows,
      { background: true },
    );
  } catch {
    for (const id of ids) {
      await perCall(id);
      await eventLoopTurn();
    }
    return;
  }
  const handBack: string[] = [];
  const toStore: ExtractionToStore[] = [];
  let cached = 0;
  for (const conv of rows) {
    const transcript = conv.transcript_status === 'fetched' ? conv.transcript : null;
    if (!conv.deal_id || conv.is_internal === true || !conv.is_tracked) {
      // Off a deal: only a previous extraction has anything to retract (the per-call path does it).
      if (conv.previous) handBack.push(conv.id);
      continue;
    }
    if (!transcript) {
      // Left pending when the source has no connection to fetch from, as the per-call path would.
      if (conv.transcript_status !== 'unavailable') {
        const source = await run.sourceContext(conv.source).catch(() => undefined);
        if (source === null) {
          totals.skipped_no_source[conv.source] = (totals.skipped_no_source[conv.source] ?? 0) + 1;
          continue;
        }
      }
      handBack.push(conv.id);
      continue;
    }
    try {
      const hash = transcriptHash(transcript);
      if (isCached(conv.previous, hash, conv.deal_id, run.identity)) {
        cached++;
        continue;
      }
      const { lines, ctx } = extractionInput(conv, transcript, run);
      toStore.push({
        conversation_id: conv.id,
        deal_id: conv.deal_id,
        transcript_hash: hash,
        out: extractOffline(lines, ctx),
      });
    } catch {
      handBack.push(conv.id);
    }
  }
  totals.cached += cached;
  try {
    const written = await withWorkspace(db, workspaceId, (tx) => storeExtractions(tx, workspaceId, toStore), {
      background: true,
    });
    totals.extracted += toStore.length;
    for (const it of toStore) {
      totals.insights_written += written.get(it.conversation_id) ?? 0;
      totals.quotes_rejected += it.out.quotes_rejected;
    }
  } catch {
    handBack.push(...toStore.map((it) => it.conversation_id));
  }
  for (const id of handBack) {
    await perCall(id);
    await eventLoopTurn();
  }
}
