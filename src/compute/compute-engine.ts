/**
 * The computed fields engine: resolves the workspace's scoring config (defaults plus context-layer
 * overrides) and runs the deal scores, then the account scores, in short tenant-scoped transactions.
 * Idempotent: a second run on the same data and date writes nothing.
 */
import type { Db, Queryable } from '../db/db.ts';
import { idRanges, idsInRange } from '../db/id-ranges.ts';
import { withFreshStatistics } from '../db/table-statistics.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { getContextLayer } from '../workspaces/context-layer.ts';
import { computeAccountScores } from './account-scores.ts';
import { computeDealScores } from './deal-scores.ts';
import { accountBaselines, dealBaselines } from './score-baselines.ts';
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

// Rows per chunk: deal and account scores are written as short committed chunks of background work,
// so the embedded backend answers requests between them. A deal's scores read workspace-wide figures
// (won deals' medians) and its own rows only; an account's read its deals' risk, so the accounts
// follow the last deal chunk. The workspace-wide figures are read once, before the chunks: no chunk
// writes what they are made of (stage history, won deals' amounts and dates).
export const COMPUTE_CHUNK_ROWS = 500;

async function computeInWorkspace(
  db: Db,
  workspaceId: string,
  asOf: string,
  started: number,
): Promise<ComputeResult> {
  const inChunk = <T>(work: (q: Queryable) => Promise<T>) =>
    withWorkspace(db, workspaceId, work, { background: true });
  const { scoring, dealRanges, accountRanges, baselines } = await inChunk(async (tx) => {
    const context = await getContextLayer(tx, workspaceId);
    const scoring = resolveScoring(context.definitions.scoring as ScoringOverride | undefined);
    return {
      scoring,
      dealRanges: await idRanges(tx, 'deals', workspaceId, COMPUTE_CHUNK_ROWS),
      accountRanges: await idRanges(tx, 'accounts', workspaceId, COMPUTE_CHUNK_ROWS),
      baselines: {
        deals: await dealBaselines(tx, workspaceId, scoring.config),
        accounts: await accountBaselines(tx, workspaceId),
      },
    };
  });
  // Each chunk names its rows by id (inIdList): given the range alone, the planner misjudges its size.
  const { config, version } = scoring;
  let deals = 0;
  for (const range of dealRanges) {
    deals += await inChunk(async (tx) => {
      const ids = await idsInRange(tx, 'deals', workspaceId, range);
      return computeDealScores(tx, workspaceId, asOf, config, version, ids, baselines.deals);
    });
  }
  let accounts = 0;
  for (const range of accountRanges) {
    accounts += await inChunk(async (tx) => {
      const ids = await idsInRange(tx, 'accounts', workspaceId, range);
      return computeAccountScores(tx, workspaceId, asOf, config, version, ids, baselines.accounts);
    });
  }
  return {
    as_of: asOf,
    config_version: scoring.version,
    overridden: scoring.overridden,
    ignored_overrides: scoring.ignored,
    deals_updated: deals,
    accounts_updated: accounts,
    duration_ms: Math.round(performance.now() - started),
  };
}
