/**
 * The linker's statistics: its statements join conversations to contacts, accounts and deals as sets,
 * and a planner that believes one of those tables is empty runs them as nested loops (a 0.9 s run took a
 * minute on a never-analysed world). Stale inputs are analysed before a run; after it, conversations if
 * the run changed enough of them.
 */
import type { Db } from '../db/db.ts';
import { withFreshStatistics } from '../db/table-statistics.ts';
import type { Logger } from '../logger.ts';
import type { LinkerRunResult } from './linker-run.ts';

export const LINKER_READS = [
  'conversations',
  'contacts',
  'accounts',
  'deals',
  'deal_contacts',
  'deal_stage_history',
  'activities',
];

export function withLinkerStatistics<T>(
  db: Db,
  run: () => Promise<T>,
  runOf: (result: T) => Pick<LinkerRunResult, 'links_changed' | 'classification'>,
  log?: Logger,
): Promise<T> {
  return withFreshStatistics(
    db,
    LINKER_READS,
    run,
    (result) => {
      const r = runOf(result);
      // The call facts and the counts kept from them and the links (migration 190): 0 lets the statistics
      // views decide (a run rewrites only the rows that changed).
      return {
        conversations: r.links_changed + r.classification.changed,
        conversation_call_facts: 0,
        cwd_calls: 0,
        cwd_band_counts: 0,
      };
    },
    log,
  );
}
