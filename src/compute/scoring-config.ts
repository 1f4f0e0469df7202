/**
 * Weights and thresholds of every computed score, in one versioned config. A workspace may override
 * individual numbers through the context layer (definitions.scoring); unknown keys are reported, not applied.
 * Bump SCORING_CONFIG_VERSION whenever a default changes meaning: it is written into every reasons document.
 */
export const SCORING_CONFIG_VERSION = 1;

export const DEFAULT_SCORING = Object.freeze({
  risk_weights: Object.freeze({
    close_date_past: 25,
    close_date_slipped: 15,
    no_recent_activity: 20,
    single_threaded: 10,
    no_next_step: 10,
    stage_regression: 15,
    amount_changed: 10,
    stuck_in_stage: 15,
    // From deal insights (src/insights): each reason cites the insight row.
    competitor_named: 10,
    no_next_step_after_last_call: 10,
    budget_objection: 10,
    timeline_after_close_date: 15,
  }),
  risk_thresholds: Object.freeze({
    /** Slips of the close date above this count fire close_date_slipped. */
    slip_count: 2,
    /** Days without an activity, call or conversation before no_recent_activity fires. */
    inactive_days: 21,
    /** Percent change from the first amount seen that fires amount_changed. */
    amount_change_pct: 25,
    /** Percentile of won deals' time in a stage beyond which a deal is stuck (0–1). */
    stuck_percentile: 0.75,
    /** Stuck threshold for a stage when no won deal ever passed through it. */
    default_stuck_days: 45,
  }),
  velocity: Object.freeze({
    /** Stage and cycle medians are taken per amount band; bands split at these amounts. */
    band_edges_1: 10_000,
    band_edges_2: 50_000,
    band_edges_3: 250_000,
    /** Median days per stage / cycle when the workspace has no won deals to learn from. */
    default_stage_days: 21,
    default_cycle_days: 90,
    /** Won deals needed in a (stage, band) cell before its median is trusted over the stage-wide one. */
    min_won_deals: 5,
  }),
  engagement: Object.freeze({
    /** Days for a touch's weight to halve. */
    half_life_days: 14,
    activity_weight: 1,
    call_weight: 2,
    conversation_weight: 4,
    /** Points per distinct external participant, multiplied by seniority. */
    participant_points: 1.5,
    senior_multiplier: 2,
    /** Raw points at which the score reaches ~63 (1 - 1/e). */
    scale: 10,
  }),
  health_weights: Object.freeze({
    open_pipeline: 25,
    engagement: 30,
    won_history: 20,
    open_deal_risk: 25,
  }),
});

export type ScoringConfig = {
  [S in keyof typeof DEFAULT_SCORING]: { [K in keyof (typeof DEFAULT_SCORING)[S]]: number };
};

export type ScoringOverride = Partial<Record<keyof ScoringConfig, Record<string, number>>>;

const DAYS: readonly [number, number] = [1, 3650];
const POINTS: readonly [number, number] = [0, 100];

/**
 * The range each override may take, so a workspace's numbers keep every score inside its column: weights
 * are points of a 0–100 score, days are days, band edges are amounts. Unknown keys have none (ignored).
 */
export function scoringValueRange(section: string, key: string): readonly [number, number] | undefined {
  const defaults = (DEFAULT_SCORING as Record<string, Record<string, number>>)[section];
  if (!defaults || !(key in defaults)) return undefined;
  if (section === 'risk_weights' || section === 'health_weights') return POINTS;
  if (key.endsWith('_days')) return DAYS;
  if (key.startsWith('band_edges_')) return [0, 1e15];
  if (key === 'stuck_percentile') return [0, 1];
  if (key === 'scale') return [0.01, 1e6];
  if (key === 'amount_change_pct') return [0, 10_000];
  if (key === 'slip_count' || key === 'min_won_deals') return [0, 1_000_000];
  return POINTS;
}

export interface ResolvedScoring {
  version: number;
  config: ScoringConfig;
  overridden: string[];
  ignored: string[];
}

export function resolveScoring(override: ScoringOverride | undefined): ResolvedScoring {
  const config = JSON.parse(JSON.stringify(DEFAULT_SCORING)) as ScoringConfig;
  const overridden: string[] = [];
  const ignored: string[] = [];
  for (const [section, values] of Object.entries(override ?? {})) {
    const target = (config as Record<string, Record<string, number>>)[section];
    for (const [key, value] of Object.entries(values ?? {})) {
      if (target && key in target && Number.isFinite(value)) {
        target[key] = value;
        overridden.push(`${section}.${key}`);
      } else {
        ignored.push(`${section}.${key}`);
      }
    }
  }
  return { version: SCORING_CONFIG_VERSION, config, overridden, ignored };
}
