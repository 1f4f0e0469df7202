/**
 * The offline extractor: deterministic rules over a transcript (cue phrases, patterns, speaker roles,
 * dates relative to the call, amounts). It is deliberately cautious: a negated, hypothetical or
 * seller-spoken statement, or one about another project, yields nothing, since an empty answer is better
 * than a wrong one. Every candidate still goes through quote verification like a model's.
 */
import type { ExtractionOutput, InsightCandidate, InsightType, TranscriptLine } from './insight-types.ts';
import { amountsIn } from './amounts.ts';
import { isInstructionLike, verifyCandidates } from './quote-verification.ts';
import { resolveRelativeDate } from './relative-dates.ts';

export const OFFLINE_EXTRACTOR = { extractor: 'offline-rules', version: '1', prompt_version: null } as const;

export interface ExtractionContext {
  /** The call's start: relative dates resolve against it. */
  callDate: Date;
  /** Competitor names the workspace named (context layer); others are found by cue phrases only. */
  knownCompetitors: readonly string[];
}

const NEGATION = /\b(not|never|no|none|nobody|without|ruled out|n't)\b|n't\b/i;
const HYPOTHETICAL =
  /^(?:\W*\w+[.,]\s+)?(?:if|suppose|supposing|assuming|hypothetically|imagine|in case)\b|\bif (?:we|they|it|there|the)\b|\bwere we to\b|\bwe might\b|\bwould\b[^.]*\bif\b/i;
const OTHER_DEAL =
  /\b(?:separately|the other (?:project|deal|team|division)|another (?:project|deal)|different project)\b/i;

// Competitor cues, either before the name ("evaluating X") or after it ("X sent us a proposal").
const NAME = String.raw`([A-Z][\w.&'-]*(?:\s(?:[A-Z][\w.&'-]*|\.io|AI))?)`;
const COMPETITOR_BEFORE = new RegExp(
  String.raw`\b(?:evaluating|looking at|considering|comparing (?:you |it )?(?:with|to|against)|a trial of|trialing|piloting|a demo (?:of|from)|talking to|currently (?:use|using|on)|switching from|a quote from|a proposal from|also in talks with)\s+${NAME}`,
);
const COMPETITOR_AFTER = new RegExp(
  String.raw`(?:^|[.,;]\s+|\b(?:Honestly|Frankly|Also),?\s+)${NAME}\s+(?:sent us|gave us|quoted us|offered us|is the other option|is also on the table|is cheaper|came in)`,
);
const NOT_NAMES = new Set([
  'We',
  'I',
  'Our',
  'The',
  'They',
  'It',
  'This',
  'That',
  'You',
  'Your',
  'Us',
  'A',
  'An',
  'So',
  'And',
  'But',
]);

const BUDGET_CUE = /\b(?:budget|set aside|approved|allocated|earmarked|can spend|signed off on)\b/i;
const TIMELINE_CUE =
  /\b(?:live|sign|signed|roll (?:it )?out|launch|decide|decision|deadline|implemented|in place|go-live|kick off)\b/i;

const ROLE =
  /\b(C[EFRTIO]O|VP of [A-Z][a-z]+|Vice President of [A-Z][a-z]+|Head of [A-Z][A-Za-z]+|Director of [A-Z][a-z]+|General Counsel|Procurement (?:Lead|Manager)|Chief [A-Z][a-z]+ Officer)\b/;
const PERSON = /\b([A-Z][a-z]+ [A-Z][a-z'-]+)\b/;

const OBJECTION_CUE =
  /\b(?:concern(?:ed)? (?:is|about)|main concern|worried about|sticking point|hesitant about|problem with|too expensive|push ?back on|blocker for us|deal ?breaker)\b/i;
const CRITERIA_CUE =
  /\b(?:most important thing|decide based on|deciding factor|must have|has to have|needs to have|requirement is|non-negotiable|top priority is)\b/i;
const NEXT_STEP_CUE =
  /\b(?:next step|let's schedule|let's set up|we'll schedule|I will send|I'll send|I will set up|I'll set up|action item)\b/i;

const RISK_TOPICS: Array<[string, RegExp]> = [
  ['hiring_freeze', /\bhiring freeze\b/i],
  ['reorg', /\b(?:reorg|reorganization|restructuring)\b/i],
  ['legal_review', /\blegal review\b[^.]*\b(?:months|slow|long)\b/i],
  ['budget_cuts', /\b(?:cutting budgets|budget cuts|cut (?:the |our )?budget)\b/i],
  ['champion_leaving', /\b(?:champion|sponsor)\b[^.]*\bleaving\b/i],
  ['layoffs', /\blayoffs?\b/i],
  ['acquisition', /\b(?:being acquired|acquisition)\b/i],
];
const OBJECTION_TOPICS: Array<[string, RegExp]> = [
  ['pricing', /\b(?:price|pricing|cost|expensive|per seat)\b/i],
  ['implementation', /\b(?:implementation|onboarding|rollout)\b/i],
  ['security', /\b(?:security|compliance|soc ?2|gdpr)\b/i],
  ['integration', /\b(?:integration|data warehouse|api)\b/i],
  ['contract', /\b(?:contract|term|terms)\b/i],
];
const CRITERIA_TOPICS: Array<[string, RegExp]> = [
  ['crm_integration', /\b(?:salesforce|hubspot|crm)\b/i],
  ['ease_of_use', /\b(?:ease of use|easy to use|usability)\b/i],
  ['forecast_accuracy', /\bforecast/i],
  ['sso', /\b(?:single sign-on|sso)\b/i],
  ['reporting', /\b(?:reporting|dashboards?)\b/i],
];
const NEXT_STEP_TOPICS: Array<[string, RegExp]> = [
  ['security_review', /\bsecurity review\b/i],
  ['pricing_proposal', /\b(?:proposal|pricing|quote)\b/i],
  ['technical_demo', /\bdemo\b/i],
  ['pilot', /\b(?:pilot|trial)\b/i],
];

const topicOf = (text: string, topics: Array<[string, RegExp]>) =>
  topics.find(([, re]) => re.test(text))?.[0] ?? 'other';

/** Sentences of a segment with their offsets; a sentence ends at . ! or ? followed by a space. */
export function sentencesOf(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function competitorIn(sentence: string, known: readonly string[]): { name: string; known: boolean } | null {
  for (const re of [COMPETITOR_BEFORE, COMPETITOR_AFTER]) {
    const m = re.exec(sentence);
    const name = m?.[1]?.replace(/[.,]+$/, '');
    if (name && !NOT_NAMES.has(name.split(' ')[0]!)) {
      const k = known.find((c) => c.toLowerCase() === name.toLowerCase());
      return { name: k ?? name, known: !!k };
    }
  }
  // A known competitor named with its capital letter mid-sentence and a cue word nearby.
  for (const c of known) {
    const re = new RegExp(String.raw`(?<=\S\s)${c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\b`);
    if (
      re.test(sentence) &&
      /\b(?:evaluat|compar|quote|proposal|trial|option|vendor|alternative)/i.test(sentence)
    )
      return { name: c, known: true };
  }
  return null;
}

/** Candidates from one sentence spoken by a known side. */
function fromSentence(s: string, line: TranscriptLine, ctx: ExtractionContext): InsightCandidate[] {
  const out: InsightCandidate[] = [];
  const add = (type: InsightType, value: Record<string, unknown>, confidence: number) =>
    out.push({ type, value, quote: s, segment_index: line.index, confidence });
  if (HYPOTHETICAL.test(s) || OTHER_DEAL.test(s)) return out;
  const negated = NEGATION.test(s);
  const buyer = line.role === 'buyer';
  const base = buyer ? 0.8 : 0.55;

  if (NEXT_STEP_CUE.test(s) && !negated && line.role !== 'unknown') {
    add('next_steps', { topic: topicOf(s, NEXT_STEP_TOPICS), text: s }, base);
  }
  // Everything else must come from the buyer's side: the seller's claims are not evidence about the deal.
  if (line.role === 'seller' || negated) return out;

  const competitor = competitorIn(s, ctx.knownCompetitors);
  if (competitor) add('competitors', { name: competitor.name }, competitor.known ? base + 0.1 : base);

  if (BUDGET_CUE.test(s)) {
    const amount = amountsIn(s)[0];
    if (amount !== undefined) add('budget', { amount, currency: 'USD', text: s }, base);
  }
  if (TIMELINE_CUE.test(s)) {
    const when = resolveRelativeDate(s, ctx.callDate);
    if (when) add('timeline', { date: when.date, phrase: when.phrase }, base);
  }
  const role = ROLE.exec(s);
  const person = role ? PERSON.exec(s.replace(ROLE, '')) : null;
  if (role && person) add('stakeholders', { name: person[1], role: role[1] }, base);

  if (OBJECTION_CUE.test(s)) add('objections', { topic: topicOf(s, OBJECTION_TOPICS), text: s }, base);
  if (CRITERIA_CUE.test(s)) add('decision_criteria', { topic: topicOf(s, CRITERIA_TOPICS), text: s }, base);
  const risk = RISK_TOPICS.find(([, re]) => re.test(s));
  if (risk) add('risks', { topic: risk[0], text: s }, base);
  return out;
}

export function extractOffline(lines: readonly TranscriptLine[], ctx: ExtractionContext): ExtractionOutput {
  const candidates: InsightCandidate[] = [];
  for (const line of lines) {
    if (isInstructionLike(line.text)) continue;
    for (const s of sentencesOf(line.text)) candidates.push(...fromSentence(s, line, ctx));
  }
  const { verified, rejected } = verifyCandidates(lines, candidates);
  return {
    identity: { ...OFFLINE_EXTRACTOR },
    insights: verified,
    quotes_rejected: rejected,
    input_tokens: 0,
    output_tokens: 0,
    notes: [],
  };
}
