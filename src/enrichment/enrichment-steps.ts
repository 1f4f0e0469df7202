/**
 * The step interface every pipeline step implements, and the record a run keeps of each. A step that has
 * no provider or key answers "not_configured" through the same interface, so adding a provider later
 * changes nothing in the pipeline.
 */
import type { Config } from '../config.ts';
import type { CredentialVault } from '../connectors/credential-vault.ts';
import type { Db } from '../db/db.ts';
import type { Logger } from '../logger.ts';
import type { DealContext } from './deal-context.ts';
import type { EnrichmentSettings } from './enrichment-settings.ts';
import type { ResolvedRole } from './role-resolution.ts';

export const STEP_NAMES = ['deal_context', 'roles', 'apollo', 'signals', 'linkedin', 'features'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export type StepStatus = 'succeeded' | 'not_configured' | 'disabled' | 'failed';

export interface StepOutcome {
  status: StepStatus;
  summary: Record<string, unknown>;
  /** Why a step did not run or ran in part, in words (e.g. which key is missing). */
  note?: string;
  error?: string;
}

export interface StepRecord extends StepOutcome {
  step: StepName;
  started_at: string;
  duration_ms: number;
}

export interface EnrichmentDeps {
  db: Db;
  config: Config;
  vault: CredentialVault;
  log: Logger;
}

/** What the steps share within one run. */
export interface PipelineState {
  deps: EnrichmentDeps;
  workspaceId: string;
  settings: EnrichmentSettings;
  deals: DealContext[];
  roles: Map<string, ResolvedRole>;
  now: Date;
}

export interface EnrichmentStep {
  name: StepName;
  run(state: PipelineState): Promise<StepOutcome>;
}

/**
 * The pipeline's set-based transactions over many deals are background work: on the embedded backend
 * requests queued meanwhile are answered first.
 */
export const BACKGROUND = { background: true } as const;

export function notConfigured(what: string, summary: Record<string, unknown> = {}): StepOutcome {
  return { status: 'not_configured', summary, note: `${what} is not configured` };
}

export function disabled(step: StepName): StepOutcome {
  return { status: 'disabled', summary: {}, note: `the ${step} step is switched off in config/enrichment` };
}
