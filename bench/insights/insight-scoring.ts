/** Precision and recall of extracted insights against the generator's planted facts, per type. */
import type { PlantedFact } from '../../src/generator/transcripts.ts';
import {
  INSIGHT_TYPES,
  type InsightType,
  type VerifiedInsight,
  valueKeyOf,
} from '../../src/insights/insight-types.ts';
import { normaliseWhitespace } from '../../src/insights/quote-verification.ts';

export interface TypeScore {
  planted: number;
  extracted: number;
  correct: number;
  precision: number | null;
  recall: number | null;
}

export interface Tally {
  byType: Record<InsightType, { planted: number; extracted: number; correct: number }>;
}

export function emptyTally(): Tally {
  return {
    byType: Object.fromEntries(
      INSIGHT_TYPES.map((t) => [t, { planted: 0, extracted: 0, correct: 0 }]),
    ) as Tally['byType'],
  };
}

/**
 * An extracted insight is correct when a planted fact of its type has the same value key and its sentence
 * contains the quote (or the quote contains it); each planted fact is matched at most once.
 */
export function tallyConversation(
  tally: Tally,
  facts: readonly PlantedFact[],
  insights: readonly Pick<VerifiedInsight, 'type' | 'value_key' | 'quote'>[],
) {
  const open = facts.map((f) => ({
    f,
    key: valueKeyOf(f.type, f.value),
    sentence: normaliseWhitespace(f.sentence),
  }));
  for (const f of facts) tally.byType[f.type].planted++;
  for (const i of insights) {
    const t = tally.byType[i.type];
    t.extracted++;
    const at = open.findIndex(
      (o) =>
        o.f.type === i.type &&
        o.key === i.value_key &&
        (o.sentence.includes(i.quote) || i.quote.includes(o.sentence)),
    );
    if (at >= 0) {
      t.correct++;
      open.splice(at, 1);
    }
  }
}

export function scores(tally: Tally): Record<InsightType | 'all', TypeScore> {
  const out = {} as Record<InsightType | 'all', TypeScore>;
  const all = { planted: 0, extracted: 0, correct: 0 };
  const score = (s: { planted: number; extracted: number; correct: number }): TypeScore => ({
    ...s,
    precision: s.extracted ? Number((s.correct / s.extracted).toFixed(3)) : null,
    recall: s.planted ? Number((s.correct / s.planted).toFixed(3)) : null,
  });
  for (const t of INSIGHT_TYPES) {
    const s = tally.byType[t];
    all.planted += s.planted;
    all.extracted += s.extracted;
    all.correct += s.correct;
    out[t] = score(s);
  }
  out.all = score(all);
  return out;
}
