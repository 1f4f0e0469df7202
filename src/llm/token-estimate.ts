/**
 * Token estimates before every call, and fitting data to an input cap by dropping whole records.
 * Four characters per token is the usual rule of thumb for English and JSON; it errs high for JSON
 * punctuation, which is the safe side for a cap.
 */
import type { DataBlock } from './llm-types.ts';

const CHARS_PER_TOKEN = 4;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

export function estimateRecordTokens(record: unknown): number {
  return estimateTokens(typeof record === 'string' ? record : JSON.stringify(record));
}

export interface FitResult {
  blocks: DataBlock[];
  notes: string[];
  estimatedTokens: number;
}

/**
 * Keeps records in order until the budget is spent, across blocks in order; later records are dropped
 * whole and a note says how many, so the model (and the reader) knows the data is partial.
 */
export function fitBlocksToBudget(blocks: readonly DataBlock[], budgetTokens: number): FitResult {
  let used = 0;
  const notes: string[] = [];
  const out: DataBlock[] = [];
  for (const block of blocks) {
    const kept: unknown[] = [];
    let dropped = 0;
    for (const record of block.records) {
      const cost = estimateRecordTokens(record) + 1;
      if (dropped === 0 && used + cost <= budgetTokens) {
        kept.push(record);
        used += cost;
      } else {
        dropped++;
      }
    }
    if (dropped > 0) {
      notes.push(
        `${block.label}: ${dropped} of ${block.records.length} records omitted to fit the input limit`,
      );
    }
    out.push({ label: block.label, records: kept });
  }
  return { blocks: out, notes, estimatedTokens: used };
}
