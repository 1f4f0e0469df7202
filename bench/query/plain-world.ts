/**
 * A plain synthetic world for the query benchmark when the full generator is not at hand: accounts and
 * deals only, written through the bulk upsert with realistic value spreads.
 */
import { bulkUpsert } from '../../src/db/bulk-upsert.ts';
import type { Db } from '../../src/db/db.ts';
import { ENTITY_TABLES } from '../../src/entities/entity-tables.ts';

const STAGES = [
  'awareness',
  'qualification',
  'evaluation',
  'decision',
  'negotiation',
  'closed_won',
  'closed_lost',
];
const PROBABILITY = [5, 10, 25, 50, 75, 100, 0];
const FORECAST = ['pipeline', 'pipeline', 'best_case', 'commit', 'commit', 'closed', 'omitted'];
const WORDS = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Stark',
  'Wayne',
  'Tyrell',
  'Cyberdyne',
  'Soylent',
];
const CHUNK = 50_000;

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function writePlainWorld(
  db: Db,
  workspaceId: string,
  deals: number,
  seed: number,
): Promise<number> {
  const next = rng(seed);
  const nAccounts = Math.max(1, Math.floor(deals / 10));
  let written = 0;
  for (let start = 0; start < nAccounts; start += CHUNK) {
    const rows = Array.from({ length: Math.min(CHUNK, nAccounts - start) }, (_, k) => {
      const i = start + k;
      return {
        source: 'hubspot',
        source_id: `a${i}`,
        name: `${WORDS[i % WORDS.length]} ${i}`,
        domain: `a${i}.example`,
        owner_email: `rep${i % 50}@bench.test`,
      };
    });
    written += (await bulkUpsert(db, ENTITY_TABLES.accounts, workspaceId, rows)).inserted;
  }
  const { rows: accounts } = await db.query<{ id: string }>(
    'SELECT id FROM accounts WHERE workspace_id = $1::uuid',
    [workspaceId],
  );
  const day0 = Date.UTC(2025, 0, 1);
  for (let start = 0; start < deals; start += CHUNK) {
    const rows = Array.from({ length: Math.min(CHUNK, deals - start) }, (_, k) => {
      const i = start + k;
      const s = Math.floor(next() * STAGES.length);
      const closeDay = Math.floor(next() * 730);
      return {
        source: 'hubspot',
        source_id: `d${i}`,
        name: `${WORDS[Math.floor(next() * WORDS.length)]} ${['renewal', 'expansion', 'new logo'][i % 3]} ${i}`,
        amount: next() < 0.05 ? null : Math.round(500 + next() * next() * 250_000),
        currency: 'USD',
        pipeline: i % 4 === 0 ? 'renewals' : 'new_business',
        stage: `stage_${s}`,
        stage_normalized: STAGES[s],
        probability: PROBABILITY[s],
        forecast_category: FORECAST[s],
        close_date: new Date(day0 + closeDay * 86_400_000).toISOString().slice(0, 10),
        is_closed: s >= 5,
        is_won: s === 5,
        owner_email: `rep${Math.floor(next() * 50)}@bench.test`,
        account_id: accounts[Math.floor(next() * accounts.length)]!.id,
        stage_entered_at: new Date(day0 + Math.floor(next() * 600) * 86_400_000).toISOString(),
      };
    });
    written += (await bulkUpsert(db, ENTITY_TABLES.deals, workspaceId, rows)).inserted;
  }
  return written;
}
