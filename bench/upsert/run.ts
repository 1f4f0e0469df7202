/**
 * bench/upsert: rows/s of the bulk upsert against the limit (client COPY into the same table) and the
 * baseline (one statement per row), on the PostgreSQL server at DATABASE_URL, plus the insert path on
 * PGlite, and what converting amounts to the base currency at write time costs on each. Prints one JSON line. Usage: DATABASE_URL=… npm run bench:upsert [-- rows]
 */
import { bulkUpsert, type UpsertRow } from '../../src/db/bulk-upsert.ts';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPgliteDb } from '../../src/db/pglite-driver.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { ENTITY_TABLES } from '../../src/entities/entity-tables.ts';
import { type ExchangeRateInput, putExchangeRates } from '../../src/money/exchange-rates.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { createScratchDb, serverUrlOrExit } from '../support/scratch-db.ts';

const ROWS = Number(process.argv[2] ?? 200_000);
const SINGLE_ROWS = Math.min(20_000, ROWS);
const STAGES = [
  'appointmentscheduled',
  'qualifiedtobuy',
  'presentationscheduled',
  'contractsent',
  'closedwon',
];

/** A HubSpot-like deal with ~1 KB of raw source_data. */
function deal(i: number): UpsertRow {
  const stage = STAGES[i % STAGES.length]!;
  return {
    source: 'hubspot',
    source_id: String(1_000_000 + i),
    name: `Deal ${i} – Expansion`,
    amount: (i * 7919) % 250_000,
    currency: 'USD',
    pipeline: 'default',
    stage,
    probability: (i % 10) * 10,
    close_date: `2026-${String((i % 12) + 1).padStart(2, '0')}-15`,
    is_closed: stage === 'closedwon',
    is_won: stage === 'closedwon',
    owner_email: `rep${i % 40}@northwind.io`,
    source_created_at: '2025-06-01T10:00:00Z',
    source_updated_at: '2026-01-10T10:00:00Z',
    source_data: {
      id: String(1_000_000 + i),
      properties: {
        dealname: `Deal ${i} – Expansion`,
        amount: String((i * 7919) % 250_000),
        dealstage: stage,
        pipeline: 'default',
        closedate: `2026-${String((i % 12) + 1).padStart(2, '0')}-15T00:00:00.000Z`,
        hubspot_owner_id: String(9000 + (i % 40)),
        hs_lastmodifieddate: '2026-01-10T10:00:00.000Z',
        description: 'Multi-year platform expansion across regional teams; security review pending. '.repeat(
          6,
        ),
      },
      associations: { companies: { results: [{ id: String(500 + (i % 997)), type: 'deal_to_company' }] } },
      archived: false,
    },
  };
}

// Generated once and shared by every measurement, so each figure times the write path only.
let generated: UpsertRow[] = [];
function rowsFrom(start: number, count: number): UpsertRow[] {
  return generated.slice(start, start + count);
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const t0 = performance.now();
  const result = await fn();
  return { ms: performance.now() - t0, result };
}

const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000));

async function newWorkspace(db: Db, name: string) {
  return (await db.transaction((tx) => createWorkspace(tx, { name }))).id;
}

// Writes in slices so the JS side never holds more than one slice of generated rows.
async function upsertAll(db: Db, ws: string, shape: 'copy' | 'recordset' | 'auto') {
  const slice = 20_000;
  for (let start = 0; start < ROWS; start += slice) {
    await bulkUpsert(db, ENTITY_TABLES.deals, ws, rowsFrom(start, Math.min(slice, ROWS - start)), { shape });
  }
}

const COPY_COLUMNS = Object.keys(deal(0));

function csvQuote(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return `"${s.replaceAll('"', '""')}"`;
}

function* copyCsv(ws: string): Generator<string> {
  for (let start = 0; start < ROWS; start += 1000) {
    let chunk = '';
    for (const row of rowsFrom(start, Math.min(1000, ROWS - start))) {
      chunk += `${ws},${COPY_COLUMNS.map((c) => csvQuote(row[c])).join(',')}\n`;
    }
    yield chunk;
  }
}

const CONVERSION_TRIGGERS = ['deals_convert_amount_insert', 'deals_convert_amount_update'];
const CONVERSION_ROWS = Math.min(100_000, ROWS);

/**
 * (f) What converting amounts at write time costs: the same insert (a third each in USD, EUR and GBP,
 * with rates) with the conversion triggers on and off, alternated twice so drift hits both sides.
 */
async function conversionCost(db: Db): Promise<{ on_rows_per_s: number; off_rows_per_s: number }> {
  const mixed = generated
    .slice(0, CONVERSION_ROWS)
    .map((row, i) => ({ ...row, currency: ['USD', 'EUR', 'GBP'][i % 3] }));
  const ms = { on: 0, off: 0 };
  for (const mode of ['on', 'off', 'off', 'on'] as const) {
    const ws = await newWorkspace(db, `conversion-${mode}`);
    await setRates(db, ws, [
      { currency: 'EUR', effective_date: '2025-01-01', rate: 1.08 },
      { currency: 'EUR', effective_date: '2026-06-01', rate: 1.12 },
      { currency: 'GBP', effective_date: '2025-01-01', rate: 1.27 },
    ]);
    const toggle = (on: boolean) =>
      db.exec(
        CONVERSION_TRIGGERS.map((t) => `ALTER TABLE deals ${on ? 'ENABLE' : 'DISABLE'} TRIGGER ${t};`).join(
          '\n',
        ),
      );
    if (mode === 'off') await toggle(false);
    try {
      const t = await timed(async () => {
        for (let start = 0; start < mixed.length; start += 20_000) {
          await bulkUpsert(db, ENTITY_TABLES.deals, ws, mixed.slice(start, start + 20_000));
        }
      });
      ms[mode] += t.ms;
    } finally {
      if (mode === 'off') await toggle(true);
    }
  }
  return { on_rows_per_s: rate(2 * mixed.length, ms.on), off_rows_per_s: rate(2 * mixed.length, ms.off) };
}

async function setRates(db: Db, ws: string, rates: ExchangeRateInput[]) {
  await withWorkspace(db, ws, (tx) => putExchangeRates(tx, ws, rates));
}

async function nTupUpd(db: Db): Promise<number> {
  // Statistics reach the view asynchronously; flush ours and drop the cached snapshot first.
  await new Promise((r) => setTimeout(r, 1500));
  const { rows } = await db.query<{ n: number }>(
    "SELECT pg_stat_clear_snapshot(), n_tup_upd::int AS n FROM pg_stat_user_tables WHERE relname = 'deals'",
  );
  return rows[0]!.n;
}

async function main() {
  const serverUrl = serverUrlOrExit();
  const scratch = await createScratchDb(serverUrl, 'bench_upsert');
  const db = scratch.db;
  generated = Array.from({ length: ROWS }, (_, i) => deal(i));
  try {
    // (a) the limit: client COPY FROM STDIN straight into deals, same indexes.
    const wsCopy = await newWorkspace(db, 'copy');
    const copy = await timed(() =>
      db.copyFrom!(
        `COPY deals (workspace_id, ${COPY_COLUMNS.join(', ')}) FROM STDIN (FORMAT csv)`,
        copyCsv(wsCopy),
      ),
    );
    // (b) the bulk upsert inserting, in both statement shapes.
    const wsInsert = await newWorkspace(db, 'upsert-copy');
    const insert = await timed(() => upsertAll(db, wsInsert, 'copy'));
    const wsRecordset = await newWorkspace(db, 'upsert-recordset');
    const insertRecordset = await timed(() => upsertAll(db, wsRecordset, 'recordset'));
    // (c) re-applying the same rows: must write nothing.
    const updBefore = await nTupUpd(db);
    const unchanged = await timed(() => upsertAll(db, wsInsert, 'copy'));
    const updAfter = await nTupUpd(db);
    // (d) baseline: one upsert statement per row, autocommit.
    const wsSingle = await newWorkspace(db, 'single');
    const single = await timed(async () => {
      for (let i = 0; i < SINGLE_ROWS; i += 1) {
        await bulkUpsert(db, ENTITY_TABLES.deals, wsSingle, [generated[i]!], { shape: 'recordset' });
      }
    });
    // (e) the bulk upsert inserting on PGlite (in memory).
    const lite = await createPgliteDb();
    await migrate(lite);
    const wsLite = await newWorkspace(lite, 'lite');
    const pglite = await timed(() => upsertAll(lite, wsLite, 'auto'));
    const liteConversion = await conversionCost(lite);
    await lite.close();
    const conversion = await conversionCost(db);

    const f = {
      rows: ROWS,
      copy_rows_per_s: rate(ROWS, copy.ms),
      upsert_insert_rows_per_s: rate(ROWS, insert.ms),
      upsert_insert_recordset_rows_per_s: rate(ROWS, insertRecordset.ms),
      upsert_unchanged_rows_per_s: rate(ROWS, unchanged.ms),
      unchanged_n_tup_upd_delta: updAfter - updBefore,
      single_row_rows_per_s: rate(SINGLE_ROWS, single.ms),
      single_row_rows: SINGLE_ROWS,
      pglite_upsert_insert_rows_per_s: rate(ROWS, pglite.ms),
      conversion_rows: CONVERSION_ROWS,
      conversion_on_rows_per_s: conversion.on_rows_per_s,
      conversion_off_rows_per_s: conversion.off_rows_per_s,
      pglite_conversion_on_rows_per_s: liteConversion.on_rows_per_s,
      pglite_conversion_off_rows_per_s: liteConversion.off_rows_per_s,
    };
    console.log(
      JSON.stringify({
        bench: 'upsert',
        backend: 'postgres',
        ...f,
        ratio_insert_vs_copy: +(f.upsert_insert_rows_per_s / f.copy_rows_per_s).toFixed(2),
        ratio_recordset_vs_copy: +(f.upsert_insert_recordset_rows_per_s / f.copy_rows_per_s).toFixed(2),
        ratio_unchanged_vs_insert: +(f.upsert_unchanged_rows_per_s / f.upsert_insert_rows_per_s).toFixed(2),
        ratio_insert_vs_single_row: +(f.upsert_insert_rows_per_s / f.single_row_rows_per_s).toFixed(1),
        ratio_pglite_vs_insert: +(f.pglite_upsert_insert_rows_per_s / f.upsert_insert_rows_per_s).toFixed(2),
        ratio_conversion_on_vs_off: +(f.conversion_on_rows_per_s / f.conversion_off_rows_per_s).toFixed(2),
        ratio_pglite_conversion_on_vs_off: +(
          f.pglite_conversion_on_rows_per_s / f.pglite_conversion_off_rows_per_s
        ).toFixed(2),
      }),
    );
  } finally {
    await scratch.drop();
  }
}

await main();
