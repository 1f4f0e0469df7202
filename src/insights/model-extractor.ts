/**
 * The classify-tier extractor: the transcript goes to the model in overlapping chunks of segments, as
 * records of a delimited data block (never instructions). The model may abstain; every proposed quote is
 * verified verbatim and its value checked against it, so an invented or injected fact is rejected. Input
 * tokens per conversation are bounded: chunks past the bound are not sent, and the run says so.
 */
import { z } from 'zod';
import type { LlmSession } from '../llm/llm-client.ts';
import { estimateTokens } from '../llm/token-estimate.ts';
import {
  type ExtractionOutput,
  INSIGHT_TYPES,
  type InsightCandidate,
  type TranscriptLine,
} from './insight-types.ts';
import { type ExtractionContext, extractOffline } from './offline-extractor.ts';
import { verifyCandidates } from './quote-verification.ts';

export const PROMPT_VERSION = 'deal-insights-v1';
/** Estimated input tokens of one chunk's segments, and how many segments the next chunk repeats. */
export const CHUNK_TOKENS = 1500;
export const CHUNK_OVERLAP_SEGMENTS = 2;
/** The most input tokens one conversation may spend; a longer transcript is extracted in part. */
export const MAX_TOKENS_PER_CONVERSATION = 12_000;

const INSTRUCTIONS = [
  'You extract facts about a sales deal from a segment of a recorded call.',
  'The "call" block gives the call date; the "segments" block holds transcript segments {i, speaker, side, text},',
  'where side is "buyer", "seller" or "unknown".',
  `Answer {"insights": [...]} where each item is {"type", "value", "quote", "segment", "confidence"}; type is one of ${INSIGHT_TYPES.join(', ')}.`,
  "quote must be copied exactly from one segment's text (one sentence or less); segment is that segment's i.",
  'value: competitors {"name"}; budget {"amount" (number), "currency"}; timeline {"date" (YYYY-MM-DD, resolved against the call date)};',
  'stakeholders {"name", "role"}; objections, decision_criteria, risks, next_steps {"topic" (snake_case), "text"}.',
  'Only facts the buyer states about this deal; next_steps may come from either side.',
  'Skip negated statements ("we are not looking at X"), hypotheticals ("if we had budget"), the seller\'s claims,',
  'and anything about another project. When unsure, leave it out: an empty list is a good answer.',
].join(' ');

const answerSchema = z
  .object({
    insights: z
      .array(
        z.object({
          type: z.enum(INSIGHT_TYPES),
          value: z.record(z.string(), z.unknown()),
          quote: z.string().min(1).max(2000),
          segment: z.number().int().min(0),
          confidence: z.number().min(0).max(1).default(0.7),
        }),
      )
      .max(60),
  })
  .strict();

function segmentRecord(l: TranscriptLine) {
  return { i: l.index, speaker: l.speaker ?? 'unknown', side: l.role, text: l.text };
}

/** Consecutive segments up to CHUNK_TOKENS each, the last CHUNK_OVERLAP_SEGMENTS repeated at the next start. */
export function chunkLines(lines: readonly TranscriptLine[]): TranscriptLine[][] {
  const chunks: TranscriptLine[][] = [];
  let start = 0;
  while (start < lines.length) {
    let end = start;
    let tokens = 0;
    while (end < lines.length) {
      const cost = estimateTokens(JSON.stringify(segmentRecord(lines[end]!))) + 1;
      if (end > start && tokens + cost > CHUNK_TOKENS) break;
      tokens += cost;
      end++;
    }
    chunks.push(lines.slice(start, end));
    if (end >= lines.length) break;
    start = Math.max(start + 1, end - CHUNK_OVERLAP_SEGMENTS);
  }
  return chunks;
}

export interface ModelExtraction extends ExtractionOutput {
  /** True when some chunk was answered by the offline provider (no key, budget spent, model failure). */
  fell_back: boolean;
}

export async function extractWithModel(
  llm: LlmSession,
  lines: readonly TranscriptLine[],
  ctx: ExtractionContext & { dealName: string | null },
): Promise<ModelExtraction> {
  const candidates: InsightCandidate[] = [];
  const notes: string[] = [];
  let input = 0;
  let output = 0;
  let fellBack = false;
  let model = '';
  const chunks = chunkLines(lines);
  for (const [n, chunk] of chunks.entries()) {
    if (input + CHUNK_TOKENS * 2 > MAX_TOKENS_PER_CONVERSATION) {
      notes.push(`token bound reached: ${chunks.length - n} of ${chunks.length} chunks not sent`);
      break;
    }
    const result = await llm.call({
      tier: 'classify',
      task: 'deal-insights.extract',
      instructions: INSTRUCTIONS,
      data: [
        {
          label: 'call',
          records: [{ call_date: ctx.callDate.toISOString().slice(0, 10), deal: ctx.dealName }],
        },
        { label: 'segments', records: chunk.map(segmentRecord) },
      ],
      output: answerSchema,
      maxInputTokens: CHUNK_TOKENS + 1200,
      maxOutputTokens: 1500,
      // The offline provider answers with the rules over the same chunk.
      offline: () => ({
        insights: extractOffline(chunk, ctx).insights.map((i) => ({
          type: i.type,
          value: i.value,
          quote: i.quote,
          segment: i.segment_index,
          confidence: i.confidence,
        })),
      }),
    });
    input += result.inputTokens;
    output += result.outputTokens;
    notes.push(...result.notes);
    if (result.provider === 'offline') fellBack = true;
    else model = `${result.provider}/${result.model}`;
    for (const c of result.value.insights) {
      candidates.push({
        type: c.type,
        value: c.value,
        quote: c.quote,
        segment_index: c.segment,
        confidence: c.confidence,
      });
    }
  }
  const { verified, rejected } = verifyCandidates(lines, candidates);
  return {
    identity: { extractor: `model:${model || 'unknown'}`, version: '1', prompt_version: PROMPT_VERSION },
    insights: verified,
    quotes_rejected: rejected,
    input_tokens: input,
    output_tokens: output,
    notes,
    fell_back: fellBack,
  };
}
