/**
 * The computed fields engine: resolves the workspace's scoring config (defaults plus context-layer
 * overrides) and runs the deal scores, then the account scores, in one tenant-scoped transaction.
 * Idempotent: a second run on the same data and date writes nothing.
 */
import type { Db } from '../db/db.ts';
import { withFreshStatistics } from '../db/table-statistics.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { getContextLayer } from '../workspaces/context-layer.ts';
import { computeAccountScores } from './account-scores.ts';
import { computeDealScores } from './deal-scores.ts';
import { resolveScoring, type ScoringOverride } from './scoring-config.ts';

export interface ComputeResult {
  as_of: string;
  config_version: number;
  overridden: string[];
  ignored_overrides: string[];
  deals_updated: number;
  accounts_updated: number;
  duration_ms: number;
}

// What the scores read: deals and their history, contacts, the conversations and CRM engagement.
const COMPUTE_READS = [
  'deals',
  'accounts',
  'contacts',
  'deal_contacts',
  'deal_stage_history',
  'conversations',
  'activities',
  'calls',
];

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export async function runComputedFields(
  db: Db,
  workspaceId: string,
  opts: { asOf?: string } = {},
): Promise<ComputeResult> {
  const asOf = opts.asOf ?? today();
  const started = performance.now();
  return withFreshStatistics(
    db,
    COMPUTE_READS,
    () => computeInWorkspace(db, workspaceId, asOf, started),
    (r) => ({ deals: r.deals_updated, accounts: r.accounts_updated }),
  );
}

function computeInWorkspace(
  db: Db,
  workspaceId: string,
  asOf: string,
  started: number,
): Promise<ComputeResult> {
  return withWorkspace(db, workspaceId, async (tx) => {
    const context = await getContextLayer(tx, workspaceId);
    const scoring = resolveScoring(context.definitions.scoring as ScoringOverride | undefined);
    const deals = await computeDealScores(tx, workspaceId, asOf, scoring.config, scoring.version);
    const accounts = await computeAccountScores(tx, workspaceId, asOf, scoring.config, scoring.version);
    return {
      as_of: asOf,
      config_version: scoring.version,
      overridden: scoring.overridden,
      ignored_overrides: scoring.ignored,
      deals_updated: deals,
      accounts_updated: accounts,
      duration_ms: Math.round(performance.now() - started),
    };
  });
}
