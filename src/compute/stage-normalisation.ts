/**
 * Stage normalisation: every deal's raw stage mapped onto one funnel (awareness … closed_lost).
 * Workspace overrides in stage_mappings win; then the source's own closed/won flags; then the known
 * default stages of HubSpot and Salesforce; then keywords in the label; then the probability.
 */
import type { Queryable } from '../db/db.ts';

export const STAGE_NORMALIZED = [
  'awareness',
  'qualification',
  'evaluation',
  'decision',
  'negotiation',
  'closed_won',
  'closed_lost',
] as const;
export type StageNormalized = (typeof STAGE_NORMALIZED)[number];

export interface StageInput {
  source: string;
  /** The value stored in deals.stage (what stage_mappings.raw_stage matches). */
  rawStage: string | null;
  /** Another name for the stage (a HubSpot stage id when rawStage is the label, or vice versa). */
  alias?: string | null;
  /** 0–100. */
  probability?: number | null;
  isClosed?: boolean | null;
  isWon?: boolean | null;
}

// The default pipelines as each CRM ships them (HubSpot stage ids, Salesforce StageName picklist).
const KNOWN: Record<string, StageNormalized> = {
  appointmentscheduled: 'qualification',
  qualifiedtobuy: 'qualification',
  presentationscheduled: 'evaluation',
  decisionmakerboughtin: 'decision',
  contractsent: 'negotiation',
  closedwon: 'closed_won',
  closedlost: 'closed_lost',
  prospecting: 'awareness',
  qualification: 'qualification',
  'needs analysis': 'qualification',
  'value proposition': 'evaluation',
  'id. decision makers': 'evaluation',
  'perception analysis': 'evaluation',
  'proposal/price quote': 'decision',
  'negotiation/review': 'negotiation',
  'closed won': 'closed_won',
  'closed lost': 'closed_lost',
};

// English first, then the words of German, French and Spanish pipelines (CRMs name stages in the team's
// language: "Angebot gemacht", "Négociation", "Ganado").
const KEYWORDS: ReadonlyArray<[RegExp, StageNormalized]> = [
  [/closed?[\s_-]*won|\bwon\b|gewonnen|gagn[ée]|ganad[oa]/, 'closed_won'],
  [/closed?[\s_-]*lost|\blost\b|disqualif|churn|verloren|perdu|perdid[oa]/, 'closed_lost'],
  [
    /negotiat|contract|legal|procure|redline|signature|verhandl|vertrag|n[ée]gociat|contrat|negociaci/,
    'negotiation',
  ],
  [
    /decision|proposal|quote|pricing|business case|angebot|entscheid|proposition|devis|d[ée]cisi|propuesta|cotizaci/,
    'decision',
  ],
  [
    /demo|evaluat|solution|technical|poc|proof|trial|presentation|value|pr[äa]sentation|valuat|valuaci|d[ée]monstration|demostraci/,
    'evaluation',
  ],
  [
    /qualif|discovery|appointment|needs|meeting|scoping|bedarfsanalyse|\btermin|rendez|calificad|cualificad|reuni[óo]n/,
    'qualification',
  ],
  [
    /prospect|lead|new|awareness|contacted|cold|outreach|inbound|kontakt|\bneu\b|nouveau|nuevo|contactad|contact[ée]/,
    'awareness',
  ],
];

export function normaliseStageBuiltIn(input: StageInput): StageNormalized | null {
  if (input.isClosed === true) return input.isWon ? 'closed_won' : 'closed_lost';
  if (input.isWon === true) return 'closed_won';
  for (const name of [input.rawStage, input.alias]) {
    const key = name?.trim().toLowerCase();
    if (key && KNOWN[key]) return KNOWN[key]!;
  }
  for (const name of [input.rawStage, input.alias]) {
    const key = name?.trim().toLowerCase();
    if (!key) continue;
    for (const [pattern, stage] of KEYWORDS) if (pattern.test(key)) return stage;
  }
  const p = input.probability;
  if (p === null || p === undefined || Number.isNaN(p)) return null;
  if (p >= 100) return 'closed_won';
  if (p <= 0) return input.isClosed === false ? 'awareness' : 'closed_lost';
  if (p <= 10) return 'awareness';
  if (p <= 25) return 'qualification';
  if (p <= 50) return 'evaluation';
  if (p <= 75) return 'decision';
  return 'negotiation';
}

/** source → raw stage → override. */
export type StageOverrides = ReadonlyMap<string, ReadonlyMap<string, StageNormalized>>;

export function createStageNormaliser(overrides: StageOverrides) {
  return (input: StageInput): StageNormalized | null => {
    const bySource = overrides.get(input.source);
    if (bySource) {
      for (const name of [input.rawStage, input.alias]) {
        const hit = name ? bySource.get(name) : undefined;
        if (hit) return hit;
      }
    }
    return normaliseStageBuiltIn(input);
  };
}

export async function loadStageOverrides(q: Queryable, workspaceId: string): Promise<StageOverrides> {
  const { rows } = await q.query<{ source: string; raw_stage: string; stage_normalized: StageNormalized }>(
    /* sql */ `SELECT source, raw_stage, stage_normalized FROM stage_mappings WHERE workspace_id = $1::uuid`,
    [workspaceId],
  );
  const map = new Map<string, Map<string, StageNormalized>>();
  for (const r of rows) {
    const bySource = map.get(r.source) ?? new Map<string, StageNormalized>();
    map.set(r.source, bySource);
    bySource.set(r.raw_stage, r.stage_normalized);
  }
  return map;
}
