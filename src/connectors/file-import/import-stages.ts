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

export type StageDecision = 'stored' | 'rules' | 'classifier' | 'unknown';

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
        if (cache.size < 10_000) cache.set(raw, hit);
      }
      return hit;
    },
  };
}

export interface StageValueReport {
  value: string;
  rows: number;
  proposed: StageNormalized | null;
  decided_by: StageDecision;
}

/** Classifies the values nothing else knows (one call for all of them). */
export async function classifyUnknownStages(
  report: StageValueReport[],
  classifier: StageValueClassifier,
): Promise<StageValueReport[]> {
  const unknown = report.filter((r) => r.decided_by === 'unknown').map((r) => r.value);
  if (unknown.length === 0) return report;
  const answers = await classifier.classify(unknown);
  return report.map((r) => {
    const a = r.decided_by === 'unknown' ? answers.get(r.value) : undefined;
    return a ? { ...r, proposed: a, decided_by: 'classifier' as const } : r;
  });
}
