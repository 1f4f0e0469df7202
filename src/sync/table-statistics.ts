/**
 * Keeps the planner's statistics current while a sync grows tables. An initial sync takes a table from
 * empty to hundreds of thousands of rows in minutes; until autovacuum's next ANALYZE the planner still
 * believes the table is tiny and serves each page's source-id lookups with a range scan over every row
 * of the source, so the sync slows down quadratically. A table is analysed when the rows this sync
 * inserted into it reach 10k, then each time they double: a handful of ANALYZEs (each samples a fixed
 * number of rows) per sync. It runs as the owning login role; pandora_app may not analyse.
 */
import type { UpsertCounts } from '../db/bulk-upsert.ts';
import type { Db } from '../db/db.ts';
import { DEAL_CONTACTS_TABLE, DEAL_STAGE_HISTORY_TABLE, ENTITY_TABLES } from '../entities/entity-tables.ts';
import type { Logger } from '../logger.ts';

const FIRST_ANALYZE_AT = 10_000;
const TABLES = new Set([
  ...Object.values(ENTITY_TABLES).map((t) => t.table),
  DEAL_CONTACTS_TABLE.table,
  DEAL_STAGE_HISTORY_TABLE.table,
]);

export function createStatisticsKeeper(db: Db, log: Logger) {
  const nextAt = new Map<string, number>();
  return {
    /** Called with the sync's running totals after each committed page. */
    async afterPage(totals: Readonly<Record<string, UpsertCounts>>): Promise<void> {
      for (const [table, counts] of Object.entries(totals)) {
        if (!TABLES.has(table)) continue;
        const threshold = nextAt.get(table) ?? FIRST_ANALYZE_AT;
        if (counts.inserted < threshold) continue;
        nextAt.set(table, counts.inserted * 2);
        const started = performance.now();
        await db.exec(`ANALYZE ${table}`);
        log.debug(
          { table, inserted: counts.inserted, ms: performance.now() - started },
          'analysed during sync',
        );
      }
    },
  };
}
