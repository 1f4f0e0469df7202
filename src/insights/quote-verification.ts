/**
 * The wall between what an extractor proposes and what is stored: a quote must occur verbatim (after
 * whitespace normalisation) in the transcript, the value must be stated in the quote, and nothing is
 * taken from lines that address the machine rather than the meeting (prompt injection).
 */
import { amountsIn } from './amounts.ts';
import {
  type InsightCandidate,
  type SpeakerRole,
  type TranscriptLine,
  type VerifiedInsight,
  valueKeyOf,
} from './insight-types.ts';

// Lines that talk to a model ("ignore previous instructions", "you are now", "system prompt") are not
// part of any sales conversation; they are skipped by every extractor and never quoted.
const INSTRUCTION_LIKE =
  /\b(ignore|disregard|forget)\b[^.]{0,40}\b(instructions?|rules?|prompts?)\b|\bsystem prompt\b|\byou are (now )?(an?|the) (ai|assistant|model|language model)\b|\b(respond|reply|answer|output)\b[^.]{0,30}\b(json|only with)\b|\bnew instructions?\b|<\/?data\b/i;

export function isInstructionLike(text: string): boolean {
  return INSTRUCTION_LIKE.test(text);
}

/** The text with every run of whitespace collapsed to one space, and where each kept character came from. */
function normalise(text: string): { text: string; origin: number[] } {
  let out = '';
  const origin: number[] = [];
  let pendingSpace = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      pendingSpace = out.length > 0;
      continue;
    }
    if (pendingSpace) {
      out += ' ';
      origin.push(i);
      pendingSpace = false;
    }
    out += ch;
    origin.push(i);
  }
  return { text: out, origin };
}

export function normaliseWhitespace(text: string): string {
  return normalise(text).text;
}

/** Offset of `quote` in `text` after whitespace normalisation of both, as an offset into the original text. */
export function findVerbatim(text: string, quote: string): number | null {
  const q = normaliseWhitespace(quote);
  if (q.length === 0) return null;
  const t = normalise(text);
  const at = t.text.indexOf(q);
  return at < 0 ? null : t.origin[at]!;
}

/** Whether the quote itself carries the value: a named competitor or person appears in it, an amount's digits do. */
function valueBackedByQuote(c: InsightCandidate): boolean {
  const quote = c.quote.toLowerCase();
  if (c.type === 'competitors') {
    const name = String(c.value.name ?? '').toLowerCase();
    return name.length > 0 && quote.includes(name);
  }
  if (c.type === 'stakeholders') {
    const name = String(c.value.name ?? '').toLowerCase();
    const role = String(c.value.role ?? '').toLowerCase();
    return (name.length > 0 && quote.includes(name)) || (!name && role.length > 0 && quote.includes(role));
  }
  if (c.type === 'budget') {
    // The amount must be one the quote states, not merely share digits with it.
    const amount = Number(c.value.amount);
    return Number.isFinite(amount) && amount > 0 && amountsIn(c.quote).includes(Math.round(amount));
  }
  return true;
}

export interface VerificationResult {
  verified: VerifiedInsight[];
  rejected: number;
}

/**
 * Keeps the candidates whose quote is found in the transcript; the proposed segment is tried first, then
 * every segment. Duplicates (same type, value and segment) are kept once, with the higher confidence.
 */
export function verifyCandidates(
  lines: readonly TranscriptLine[],
  candidates: readonly InsightCandidate[],
): VerificationResult {
  const byKey = new Map<string, VerifiedInsight>();
  let rejected = 0;
  for (const c of candidates) {
    const order = [lines[c.segment_index], ...lines].filter((l): l is TranscriptLine => !!l);
    let found: { line: TranscriptLine; offset: number } | undefined;
    for (const line of order) {
      if (isInstructionLike(line.text)) continue;
      const offset = findVerbatim(line.text, c.quote);
      if (offset !== null) {
        found = { line, offset };
        break;
      }
    }
    if (!found || !valueBackedByQuote(c)) {
      rejected++;
      continue;
    }
    const value_key = valueKeyOf(c.type, c.value);
    if (!value_key) {
      rejected++;
      continue;
    }
    const key = `${c.type}\u0000${value_key}\u0000${found.line.index}`;
    const prior = byKey.get(key);
    if (prior && prior.confidence >= c.confidence) continue;
    byKey.set(key, {
      ...c,
      quote: normaliseWhitespace(c.quote),
      segment_index: found.line.index,
      value_key,
      speaker: found.line.speaker,
      speaker_role: found.line.role as SpeakerRole,
      quote_offset: found.offset,
      start_seconds: found.line.start,
      confidence: Math.min(1, Math.max(0, c.confidence)),
    });
  }
  return { verified: [...byKey.values()], rejected };
}
