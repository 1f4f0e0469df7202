/**
 * The two CRMs' deal stages as their APIs name them, with the normalised stage a correct normaliser
 * would assign, the default probability and the stage order deals walk through.
 */

export type Crm = 'hubspot' | 'salesforce';
export type NormalizedStage =
  | 'awareness'
  | 'qualification'
  | 'evaluation'
  | 'decision'
  | 'negotiation'
  | 'closed_won'
  | 'closed_lost';

export interface StageDef {
  /** The raw stage: HubSpot's internal stage id or Salesforce's StageName. */
  id: string;
  label: string;
  normalized: NormalizedStage;
  probability: number;
}

export interface Pipeline {
  crm: Crm;
  /** The pipeline as stored on the deal: HubSpot's pipeline id, Salesforce's record type name. */
  id: string;
  label: string;
  /** Open stages in order. */
  open: StageDef[];
  won: StageDef;
  lost: StageDef;
}

export const HUBSPOT_PIPELINE: Pipeline = {
  crm: 'hubspot',
  id: 'default',
  label: 'Sales Pipeline',
  open: [
    { id: 'appointmentscheduled', label: 'Appointment Scheduled', normalized: 'awareness', probability: 20 },
    { id: 'qualifiedtobuy', label: 'Qualified To Buy', normalized: 'qualification', probability: 40 },
    {
      id: 'presentationscheduled',
      label: 'Presentation Scheduled',
      normalized: 'evaluation',
      probability: 60,
    },
    {
      id: 'decisionmakerboughtin',
      label: 'Decision Maker Bought-In',
      normalized: 'decision',
      probability: 80,
    },
    { id: 'contractsent', label: 'Contract Sent', normalized: 'negotiation', probability: 90 },
  ],
  won: { id: 'closedwon', label: 'Closed Won', normalized: 'closed_won', probability: 100 },
  lost: { id: 'closedlost', label: 'Closed Lost', normalized: 'closed_lost', probability: 0 },
};

function sf(name: string, normalized: NormalizedStage, probability: number): StageDef {
  return { id: name, label: name, normalized, probability };
}

export const SALESFORCE_PIPELINE: Pipeline = {
  crm: 'salesforce',
  id: 'New Business',
  label: 'New Business',
  open: [
    sf('Prospecting', 'awareness', 10),
    sf('Qualification', 'qualification', 10),
    sf('Needs Analysis', 'evaluation', 20),
    sf('Value Proposition', 'evaluation', 50),
    sf('Id. Decision Makers', 'decision', 60),
    sf('Perception Analysis', 'decision', 70),
    sf('Proposal/Price Quote', 'negotiation', 75),
    sf('Negotiation/Review', 'negotiation', 90),
  ],
  won: sf('Closed Won', 'closed_won', 100),
  lost: sf('Closed Lost', 'closed_lost', 0),
};

export function pipelineFor(crm: Crm): Pipeline {
  return crm === 'hubspot' ? HUBSPOT_PIPELINE : SALESFORCE_PIPELINE;
}

export type ForecastCategory = 'commit' | 'best_case' | 'pipeline' | 'omitted' | 'closed';

export function forecastCategory(stage: StageDef, omitted: boolean): ForecastCategory {
  if (stage.normalized === 'closed_won' || stage.normalized === 'closed_lost') return 'closed';
  if (omitted) return 'omitted';
  if (stage.probability >= 80) return 'commit';
  if (stage.probability >= 50) return 'best_case';
  return 'pipeline';
}

/** Salesforce spells forecast categories in title case. */
export const SALESFORCE_FORECAST_NAME: Record<ForecastCategory, string> = {
  commit: 'Commit',
  best_case: 'Best Case',
  pipeline: 'Pipeline',
  omitted: 'Omitted',
  closed: 'Closed',
};
