/**
 * Offline rules for the stage values of a file that no stored mapping, built-in rule or classifier
 * knows: synonyms, word stems, won/lost/closed words, then the value's position among the file's other
 * stages (a numeric prefix, or the mean probability of its rows). Every value ends with a proposal and a
 * confidence; the ones below QUESTION_BELOW are questions the confirm must answer.
 */
import { STAGE_NORMALIZED, type StageNormalized } from '../../compute/stage-normalisation.ts';

export const QUESTION_BELOW = 0.7;

/** Confidence of each way a stage is decided (the classifier's is that of one model answer). */
export const DECISION_CONFIDENCE = {
  stored: 1,
  rules: 0.9,
  outcome_word: 0.85,
  classifier: 0.75,
  synonym: 0.75,
  stem: 0.6,
  position: 0.5,
  default: 0.2,
} as const;

export type OfflineDecision = 'outcome_word' | 'synonym' | 'stem' | 'position' | 'default';

// Whole labels sales teams use for a stage, beyond the built-in rules' keywords.
const SYNONYMS: Record<string, StageNormalized> = {
  open: 'awareness',
  target: 'awareness',
  identified: 'awareness',
  sourced: 'awareness',
  'first touch': 'awareness',
  interest: 'qualification',
  interested: 'qualification',
  'meeting booked': 'qualification',
  'call booked': 'qualification',
  sql: 'qualification',
  'sales accepted': 'qualification',
  'in progress': 'evaluation',
  shortlisted: 'evaluation',
  'short list': 'evaluation',
  'business review': 'decision',
  'verbal commit': 'decision',
  commit: 'decision',
  'pending signature': 'negotiation',
  'out for signature': 'negotiation',
  paperwork: 'negotiation',
};

// Word stems (the word with -ing, -ed, -s, -ment, -ion and the like removed) and the stage they suggest.
const STEMS: ReadonlyArray<[string, StageNormalized]> = [
  ['engag', 'qualification'],
  ['connect', 'qualification'],
  ['explor', 'qualification'],
  ['research', 'awareness'],
  ['nurtur', 'awareness'],
  ['attempt', 'awareness'],
  ['review', 'evaluation'],
  ['test', 'evaluation'],
  ['validat', 'evaluation'],
  ['assess', 'evaluation'],
  ['design', 'evaluation'],
  ['approv', 'decision'],
  ['select', 'decision'],
  ['present', 'evaluation'],
  ['budget', 'decision'],
  ['finaliz', 'negotiation'],
  ['finalis', 'negotiation'],
  ['agre', 'negotiation'],
  ['sign', 'negotiation'],
  ['clos', 'negotiation'],
];

const WON = /\b(won|win|wins|signed|booked|closed[\s_-]*(won|win|success)|customer|live|purchased|sold)\b/;
const LOST =
  /\b(lost|lose|dead|cancel+ed|rejected|declined|no[\s_-]*(deal|decision|go)|churned|abandoned|unqualified)\b/;
const CLOSED = /\bclosed?\b/;

export function stem(word: string): string {
  return word.replace(/(ments?|ations?|ions?|ing|ed|es|s|e)$/, '');
}

/** What a file tells about where a stage sits: its leading number and the mean probability of its rows. */
export interface StagePosition {
  value: string;
  prefix: number | null;
  mean_probability: number | null;
}

export function leadingNumber(value: string): number | null {
  const m = /^\s*(\d{1,3})(?:[.):\s-]|$)/.exec(value);
  return m ? Number(m[1]) : null;
}

export function proposeOffline(
  value: string,
  known: ReadonlyArray<StagePosition & { proposed: StageNormalized }>,
  self: StagePosition,
): { proposed: StageNormalized; decided_by: OfflineDecision } {
  const label = value
    .toLowerCase()
    .replace(/^\s*\d{1,3}[.):\s-]*/, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  if (WON.test(label)) return { proposed: 'closed_won', decided_by: 'outcome_word' };
  if (LOST.test(label)) return { proposed: 'closed_lost', decided_by: 'outcome_word' };
  const synonym = SYNONYMS[label];
  if (synonym) return { proposed: synonym, decided_by: 'synonym' };
  // "Closed" alone says the deal ended, not how: a question, leaning to lost (the common case).
  if (CLOSED.test(label) && label.split(' ').length <= 2)
    return { proposed: 'closed_lost', decided_by: 'stem' };
  for (const word of label.split(' ')) {
    const s = stem(word);
    const hit = s.length >= 3 ? STEMS.find(([prefix]) => s.startsWith(prefix)) : undefined;
    if (hit) return { proposed: hit[1], decided_by: 'stem' };
  }
  const byPosition = fromPosition(known, self);
  if (byPosition) return { proposed: byPosition, decided_by: 'position' };
  return { proposed: 'qualification', decided_by: 'default' };
}

/**
 * The open funnel stage between the known stages that come before and after this one in the file's own
 * order (its numbering, else its rows' mean probability).
 */
function fromPosition(
  known: ReadonlyArray<StagePosition & { proposed: StageNormalized }>,
  self: StagePosition,
): StageNormalized | null {
  const key = (p: StagePosition) => (self.prefix !== null ? p.prefix : p.mean_probability);
  const mine = key(self);
  if (mine === null) return null;
  const open = known.filter(
    (k) => key(k) !== null && k.proposed !== 'closed_won' && k.proposed !== 'closed_lost',
  );
  if (open.length === 0) return null;
  const rank = (s: StageNormalized) => STAGE_NORMALIZED.indexOf(s);
  const before = open.filter((k) => key(k)! <= mine).map((k) => rank(k.proposed));
  const after = open.filter((k) => key(k)! > mine).map((k) => rank(k.proposed));
  const low = before.length > 0 ? Math.max(...before) : null;
  const high = after.length > 0 ? Math.min(...after) : null;
  let index: number;
  if (low !== null && high !== null) index = high - low > 1 ? low + 1 : low;
  else if (low !== null) index = Math.min(low + 1, rank('negotiation'));
  else index = Math.max(high! - 1, 0);
  return STAGE_NORMALIZED[index]!;
}
