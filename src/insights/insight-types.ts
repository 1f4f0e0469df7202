/** The vocabulary of deal insights: the eight types, a candidate as an extractor proposes it, and how a type is kept over time. */

export const INSIGHT_TYPES = [
  'next_steps',
  'objections',
  'decision_criteria',
  'timeline',
  'stakeholders',
  'risks',
  'competitors',
  'budget',
] as const;
export type InsightType = (typeof INSIGHT_TYPES)[number];

export type SpeakerRole = 'buyer' | 'seller' | 'unknown';

/**
 * Types whose newest statement replaces the older ones for the deal (the plan, the date, the money);
 * the others accumulate, and a later statement of the same value replaces the earlier one.
 */
export const LATEST_WINS: ReadonlySet<InsightType> = new Set(['next_steps', 'timeline', 'budget']);

/** One transcript segment as extractors read it, with who spoke and on which side. */
export interface TranscriptLine {
  index: number;
  speaker: string | null;
  role: SpeakerRole;
  start: number | null;
  text: string;
}

/** What an extractor proposes; verification turns it into a stored insight or rejects it. */
export interface InsightCandidate {
  type: InsightType;
  value: Record<string, unknown>;
  quote: string;
  segment_index: number;
  confidence: number;
}

/** A candidate whose quote was found verbatim in its segment. */
export interface VerifiedInsight extends InsightCandidate {
  value_key: string;
  speaker: string | null;
  speaker_role: SpeakerRole;
  quote_offset: number;
  start_seconds: number | null;
}

export interface ExtractorIdentity {
  extractor: string;
  version: string;
  prompt_version: string | null;
}

/** What one extractor run over one transcript produced. */
export interface ExtractionOutput {
  identity: ExtractorIdentity;
  insights: VerifiedInsight[];
  quotes_rejected: number;
  input_tokens: number;
  output_tokens: number;
  notes: string[];
}

/** The identity of a value within its deal and type: lower-case, single-spaced. */
export function valueKeyOf(type: InsightType, value: Record<string, unknown>): string {
  const pick = (k: string) => (value[k] === undefined || value[k] === null ? '' : String(value[k]));
  const raw =
    type === 'competitors'
      ? pick('name')
      : type === 'stakeholders'
        ? pick('name') || pick('role')
        : type === 'budget'
          ? `${pick('amount')} ${pick('currency')}`
          : type === 'timeline'
            ? pick('date') || pick('text')
            : pick('topic') || pick('text');
  return raw.toLowerCase().replace(/\s+/g, ' ').trim().slice(0, 200);
}
