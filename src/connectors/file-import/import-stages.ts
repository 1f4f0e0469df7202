/**
 * Stage values of an imported deals file: stored workspace mappings (source 'csv_import') first, then the
 * built-in rules; only values neither knows go to the StageValueClassifier, so known stages cost nothing.
 */
import {
  loadStageOverrides,
  normaliseStageBuiltIn,
  type StageNormalized,
} from '../../compute/stage-normalisation.ts';
import type { Queryable } from '../../db/db.ts';
import { IMPORT_SOURCE } from './row-normaliser.ts';
import {
  DECISION_CONFIDENCE,
  leadingNumber,
  type OfflineDecision,
  proposeOffline,
  QUESTION_BELOW,
} from './stage-proposals.ts';
import { detachedField } from './csv-records.ts';

export type StageDecision = 'stored' | 'rules' | 'classifier' | OfflineDecision | 'unknown';

export interface StageValueClassifier {
  readonly name: string;
  classify(values: readonly string[]): Promise<ReadonlyMap<string, StageNormalized | null>>;
}

/** Offline: knows nothing beyond the rules; unseen values stay unmapped until the user maps them. */
export const offlineStageClassifier: StageValueClassifier = {
  name: 'offline',
  async classify() {
    return new Map();
  },
};

export interface StageResolver {
  resolve(raw: string): { stage: StageNormalized | null; decided_by: StageDecision };
}

export async function loadStageResolver(q: Queryable, workspaceId: string): Promise<StageResolver> {
  const stored = (await loadStageOverrides(q, workspaceId)).get(IMPORT_SOURCE) ?? new Map();
  const cache = new Map<string, { stage: StageNormalized | null; decided_by: StageDecision }>();
  return {
    resolve(raw) {
      let hit = cache.get(raw);
      if (!hit) {
        const s = stored.get(raw);
        if (s) hit = { stage: s, decided_by: 'stored' };
        else {
          const rule = normaliseStageBuiltIn({ source: IMPORT_SOURCE, rawStage: raw });
          hit = { stage: rule, decided_by: rule ? 'rules' : 'unknown' };
        }
        // A copy: a raw value sliced from a file's text would keep its whole chunk alive in the cache.
        if (cache.size < 10_000) cache.set(detachedField(raw), hit);
      }
      return hit;
    },
  };
}

export interface StageValueReport {
  value: string;
  rows: number;
  /** null only while a value waits for the classifier; settleStages proposes one for every value. */
  proposed: StageNormalized | null;
  confidence: number;
  decided_by: StageDecision;
  /** Mean probability of the value's rows (null: no probability column), for the positional rule. */
  mean_probability: number | null;
}

export interface StageQuestion {
  value: string;
  rows: number;
  proposed: StageNormalized;
  confidence: number;
  decided_by: StageDecision;
  question: string;
}

/** Decisions the classify tier may overrule: the offline fallbacks and values nothing decided yet. */
export function undecided(r: StageValueReport): boolean {
  return r.decided_by !== 'stored' && r.decided_by !== 'rules' && r.decided_by !== 'classifier';
}

/** Classifies the values nothing sure knows (one call for all of them); a value it cannot place keeps its fallback. */
export async function classifyUnknownStages(
  report: StageValueReport[],
  classifier: StageValueClassifier,
): Promise<StageValueReport[]> {
  const open = report.filter(undecided).map((r) => r.value);
  if (open.length === 0) return settleStages(report);
  const answers = await classifier.classify(open);
  return settleStages(
    report.map((r) => {
      const a = undecided(r) ? answers.get(r.value) : undefined;
      return a
        ? { ...r, proposed: a, decided_by: 'classifier' as const, confidence: DECISION_CONFIDENCE.classifier }
        : r;
    }),
  );
}

/** Every value still unknown gets the offline rules' proposal, placed among the file's other stages. */
export function settleStages(report: StageValueReport[]): StageValueReport[] {
  const position = (r: StageValueReport) => ({
    value: r.value,
    prefix: leadingNumber(r.value),
    mean_probability: r.mean_probability,
  });
  const known = report
    .filter((r) => r.decided_by !== 'unknown' && r.proposed !== null)
    .map((r) => ({ ...position(r), proposed: r.proposed! }));
  return report.map((r) => {
    if (r.decided_by !== 'unknown' && r.proposed !== null) return r;
    const p = proposeOffline(r.value, known, position(r));
    return { ...r, ...p, confidence: DECISION_CONFIDENCE[p.decided_by] };
  });
}

/** The values whose proposal is too unsure to apply unasked. */
export function stageQuestions(report: readonly StageValueReport[]): StageQuestion[] {
  return report
    .filter((r) => r.proposed !== null && r.confidence < QUESTION_BELOW)
    .map((r) => ({
      value: r.value,
      rows: r.rows,
      proposed: r.proposed!,
      confidence: r.confidence,
      decided_by: r.decided_by,
      question: `Which stage is "${r.value}"? (${r.rows} rows; proposed ${r.proposed} by ${r.decided_by.replace('_', ' ')}, ${Math.round(r.confidence * 100)} %)`,
    }));
}
