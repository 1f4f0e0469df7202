/**
 * deal_insights writes and reads. A write never changes a stored value: it inserts the new rows, then
 * marks the rows they replace is_current = false with superseded_by (the previous extraction of the same
 * conversation, then, per deal, everything but the newest call's statement of a latest-wins type or of
 * the same value). insight_extractions remembers what each conversation was last extracted with.
 */
import type { Queryable } from '../db/db.ts';
import { type ExtractionOutput, INSIGHT_TYPES, type InsightType, LATEST_WINS } from './insight-types.ts';

const LATEST = [...LATEST_WINS];

export interface ExtractionRecord {
  conversation_id: string;
  deal_id: string | null;
  status: 'extracted' | 'failed' | 'no_transcript';
  transcript_hash: string | null;
  extractor: string;
  extractor_version: string;
  prompt_version: string | null;
  extracted_at: string;
}

export async function getExtractionRecord(
  q: Queryable,
  workspaceId: string,
  conversationId: string,
): Promise<ExtractionRecord | undefined> {
  const { rows } = await q.query<ExtractionRecord>(
    /* sql */ `SELECT conversation_id, deal_id, status, transcript_hash, extractor, extractor_version, prompt_version,
              extracted_at FROM insight_extractions WHERE workspace_id = $1::uuid AND conversation_id = $2::uuid`,
    [workspaceId, conversationId],
  );
  return rows[0];
}

/**
 * Rows of the previous extractions of these conversations that nothing replaces: no longer current. A row
 * is replaced by a new row of its own conversation, deal and type (the same value first).
 */
async function supersedeConversations(
  q: Queryable,
  workspaceId: string,
  conversationIds: string[],
  newIds: string[],
) {
  await q.query(
    /* sql */ `UPDATE deal_insights o SET is_current = false, superseded_at = now(),
       superseded_by = (
         SELECT n.id FROM deal_insights n
         WHERE n.workspace_id = $1::uuid AND n.id = ANY($3::uuid[]) AND n.conversation_id = o.conversation_id
           AND n.deal_id = o.deal_id AND n.insight_type = o.insight_type
           AND (n.value_key = o.value_key OR n.insight_type = ANY($4::text[]))
         ORDER BY (n.value_key = o.value_key) DESC, n.id LIMIT 1)
     WHERE o.workspace_id = $1::uuid AND o.conversation_id = ANY($2::uuid[]) AND o.is_current
       AND NOT (o.id = ANY($3::uuid[]))`,
    [workspaceId, conversationIds, newIds, LATEST],
  );
}

/** Per deal, only the newest call's rows stay current in each group (type, or type and value). */
async function supersedeAcrossCalls(q: Queryable, workspaceId: string, dealIds: string[]) {
  await q.query(
    /* sql */ `WITH g AS (
       SELECT i.id, i.deal_id, i.conversation_id, i.insight_type,
              CASE WHEN i.insight_type = ANY($3::text[]) THEN '' ELSE i.value_key END AS group_key,
              c.started_at
       FROM deal_insights i
       JOIN conversations c ON c.workspace_id = i.workspace_id AND c.id = i.conversation_id
       WHERE i.workspace_id = $1::uuid AND i.deal_id = ANY($2::uuid[]) AND i.is_current
     ), ranked AS (
       SELECT id, conversation_id,
              first_value(conversation_id) OVER w AS newest_conversation,
              first_value(id) OVER w AS newest_id
       FROM g
       WINDOW w AS (PARTITION BY deal_id, insight_type, group_key
                    ORDER BY started_at DESC NULLS LAST, conversation_id DESC, id)
     )
     UPDATE deal_insights d SET is_current = false, superseded_by = r.newest_id, superseded_at = now()
     FROM ranked r
     WHERE d.workspace_id = $1::uuid AND d.id = r.id AND r.conversation_id <> r.newest_conversation`,
    [workspaceId, dealIds, LATEST],
  );
}

export interface StoredExtraction {
  written: number;
}

export interface ExtractionToStore {
  conversation_id: string;
  deal_id: string;
  transcript_hash: string;
  out: ExtractionOutput;
}

/**
 * Stores the extractions of any number of conversations in the caller's transaction, set-based: the new
 * rows in one insert, supersession of what they replace (per conversation, then per deal across calls),
 * and the extraction records that make the next run on the same transcripts a no-op. Returns the rows
 * written per conversation.
 */
export async function storeExtractions(
  q: Queryable,
  workspaceId: string,
  items: readonly ExtractionToStore[],
): Promise<Map<string, number>> {
  const written = new Map(items.map((it) => [it.conversation_id, 0]));
  if (items.length === 0) return written;
  const rowsJson = items.flatMap((it) =>
    it.out.insights.map((i) => ({
      ord: 0,
      conversation_id: it.conversation_id,
      deal_id: it.deal_id,
      insight_type: i.type,
      value: i.value,
      value_key: i.value_key,
      quote: i.quote.slice(0, 2000),
      speaker: i.speaker,
      speaker_role: i.speaker_role,
      segment_index: i.segment_index,
      quote_offset: i.quote_offset,
      start_seconds: i.start_seconds,
      confidence: i.confidence,
      extractor: it.out.identity.extractor,
      extractor_version: it.out.identity.version,
      prompt_version: it.out.identity.prompt_version,
      transcript_hash: it.transcript_hash,
    })),
  );
  for (const [ord, row] of rowsJson.entries()) row.ord = ord;
  const { rows } = await q.query<{ id: string; conversation_id: string }>(
    /* sql */ `INSERT INTO deal_insights (workspace_id, deal_id, conversation_id, insight_type, value, value_key, quote,
       speaker, speaker_role, segment_index, quote_offset, start_seconds, confidence, extractor, extractor_version,
       prompt_version, transcript_hash)
     SELECT $1::uuid, x.deal_id, x.conversation_id, x.insight_type, x.value, x.value_key, x.quote, x.speaker,
            x.speaker_role, x.segment_index, x.quote_offset, x.start_seconds, x.confidence, x.extractor,
            x.extractor_version, x.prompt_version, x.transcript_hash
     FROM jsonb_to_recordset($2::jsonb) AS x(deal_id uuid, conversation_id uuid, insight_type text,
            value jsonb, value_key text, quote text, speaker text, speaker_role text, segment_index int,
            quote_offset int, start_seconds float8, confidence real, extractor text, extractor_version text,
            prompt_version text, transcript_hash text, ord int)
     ORDER BY x.ord
     RETURNING id, conversation_id`,
    [workspaceId, JSON.stringify(rowsJson)],
  );
  for (const r of rows) written.set(r.conversation_id, (written.get(r.conversation_id) ?? 0) + 1);
  await supersedeConversations(
    q,
    workspaceId,
    items.map((it) => it.conversation_id),
    rows.map((r) => r.id),
  );
  await supersedeAcrossCalls(q, workspaceId, [...new Set(items.map((it) => it.deal_id))]);
  await recordExtractions(
    q,
    workspaceId,
    items.map((it) => ({
      conversation_id: it.conversation_id,
      deal_id: it.deal_id,
      status: 'extracted',
      transcript_hash: it.transcript_hash,
      identity: it.out.identity,
      insights_written: written.get(it.conversation_id) ?? 0,
      quotes_rejected: it.out.quotes_rejected,
      input_tokens: it.out.input_tokens,
      output_tokens: it.out.output_tokens,
      error: null,
    })),
  );
  return written;
}

/** Stores one conversation's extraction in the caller's transaction (see storeExtractions). */
export async function storeExtraction(
  q: Queryable,
  workspaceId: string,
  target: { conversation_id: string; deal_id: string },
  transcriptHash: string,
  out: ExtractionOutput,
): Promise<StoredExtraction> {
  const written = await storeExtractions(q, workspaceId, [
    {
      conversation_id: target.conversation_id,
      deal_id: target.deal_id,
      transcript_hash: transcriptHash,
      out,
    },
  ]);
  return { written: written.get(target.conversation_id) ?? 0 };
}

/** A conversation no longer on a deal (or now internal): its current rows stop being current. */
export async function retractConversation(q: Queryable, workspaceId: string, conversationId: string) {
  await supersedeConversations(q, workspaceId, [conversationId], []);
  await q.query(
    'DELETE FROM insight_extractions WHERE workspace_id = $1::uuid AND conversation_id = $2::uuid',
    [workspaceId, conversationId],
  );
}

export interface ExtractionRecordInput {
  conversation_id: string;
  deal_id: string | null;
  status: ExtractionRecord['status'];
  transcript_hash: string | null;
  identity: ExtractionOutput['identity'];
  insights_written: number;
  quotes_rejected: number;
  input_tokens: number;
  output_tokens: number;
  error: string | null;
}

/** Upserts the extraction records of any number of conversations in one statement. */
export async function recordExtractions(
  q: Queryable,
  workspaceId: string,
  records: readonly ExtractionRecordInput[],
) {
  if (records.length === 0) return;
  await q.query(
    /* sql */ `INSERT INTO insight_extractions (workspace_id, conversation_id, deal_id, status, transcript_hash, extractor,
       extractor_version, prompt_version, insights_written, quotes_rejected, input_tokens, output_tokens, error, extracted_at)
     SELECT $1::uuid, x.conversation_id, x.deal_id, x.status, x.transcript_hash, x.extractor, x.extractor_version,
            x.prompt_version, x.insights_written, x.quotes_rejected, x.input_tokens, x.output_tokens, x.error, now()
     FROM jsonb_to_recordset($2::jsonb) AS x(conversation_id uuid, deal_id uuid, status text, transcript_hash text,
            extractor text, extractor_version text, prompt_version text, insights_written int, quotes_rejected int,
            input_tokens int, output_tokens int, error text)
     ON CONFLICT (workspace_id, conversation_id) DO UPDATE SET deal_id = EXCLUDED.deal_id, status = EXCLUDED.status,
       transcript_hash = EXCLUDED.transcript_hash, extractor = EXCLUDED.extractor,
       extractor_version = EXCLUDED.extractor_version, prompt_version = EXCLUDED.prompt_version,
       insights_written = EXCLUDED.insights_written, quotes_rejected = EXCLUDED.quotes_rejected,
       input_tokens = EXCLUDED.input_tokens, output_tokens = EXCLUDED.output_tokens, error = EXCLUDED.error,
       extracted_at = now()`,
    [
      workspaceId,
      JSON.stringify(
        records.map(({ identity, error, ...r }) => ({
          ...r,
          extractor: identity.extractor,
          extractor_version: identity.version,
          prompt_version: identity.prompt_version,
          error: error?.slice(0, 1000) ?? null,
        })),
      ),
    ],
  );
}

/** One conversation's extraction record (see recordExtractions). */
export function recordExtraction(
  q: Queryable,
  workspaceId: string,
  conversationId: string,
  r: Omit<ExtractionRecordInput, 'conversation_id'>,
) {
  return recordExtractions(q, workspaceId, [{ conversation_id: conversationId, ...r }]);
}

export interface InsightRow {
  id: string;
  deal_id: string;
  conversation_id: string;
  insight_type: InsightType;
  value: Record<string, unknown>;
  quote: string;
  speaker: string | null;
  speaker_role: string;
  segment_index: number;
  quote_offset: number;
  start_seconds: number | null;
  confidence: number;
  extractor: string;
  extractor_version: string;
  prompt_version: string | null;
  transcript_hash: string;
  is_current: boolean;
  superseded_by: string | null;
  superseded_at: string | null;
  created_at: string;
  conversation_title: string | null;
  conversation_started_at: string | null;
}

const INSIGHT_COLUMNS = /* sql */ `i.id, i.deal_id, i.conversation_id, i.insight_type, i.value, i.quote, i.speaker,
  i.speaker_role, i.segment_index, i.quote_offset, i.start_seconds, i.confidence::float8 AS confidence, i.extractor,
  i.extractor_version, i.prompt_version, i.transcript_hash, i.is_current, i.superseded_by, i.superseded_at,
  i.created_at, c.title AS conversation_title, c.started_at AS conversation_started_at`;

/** The current insights of a deal, newest call first within each type. */
export async function currentDealInsights(
  q: Queryable,
  workspaceId: string,
  dealId: string,
): Promise<InsightRow[]> {
  const { rows } = await q.query<InsightRow>(
    /* sql */ `SELECT ${INSIGHT_COLUMNS}
     FROM deal_insights i JOIN conversations c ON c.workspace_id = i.workspace_id AND c.id = i.conversation_id
     WHERE i.workspace_id = $1::uuid AND i.deal_id = $2::uuid AND i.is_current
     ORDER BY i.insight_type, c.started_at DESC NULLS LAST, i.segment_index, i.id`,
    [workspaceId, dealId],
  );
  return rows;
}

/** Every insight the deal ever had, newest first, with what replaced each. */
export async function dealInsightHistory(
  q: Queryable,
  workspaceId: string,
  dealId: string,
  opts: { type?: InsightType; limit: number },
): Promise<InsightRow[]> {
  const { rows } = await q.query<InsightRow>(
    /* sql */ `SELECT ${INSIGHT_COLUMNS}
     FROM deal_insights i JOIN conversations c ON c.workspace_id = i.workspace_id AND c.id = i.conversation_id
     WHERE i.workspace_id = $1::uuid AND i.deal_id = $2::uuid AND ($3::text IS NULL OR i.insight_type = $3::text)
     ORDER BY i.created_at DESC, i.insight_type, i.id
     LIMIT $4::int`,
    [workspaceId, dealId, opts.type ?? null, opts.limit],
  );
  return rows;
}

/** Current insights grouped by type, every type present (an empty list says nothing was found). */
export function groupByType(rows: readonly InsightRow[]): Record<InsightType, InsightRow[]> {
  const out = Object.fromEntries(INSIGHT_TYPES.map((t) => [t, [] as InsightRow[]])) as Record<
    InsightType,
    InsightRow[]
  >;
  for (const r of rows) out[r.insight_type].push(r);
  return out;
}
