/**
 * bench/import: a generated deals CSV through upload → preview → confirm → applied over HTTP, on a scratch
 * database of the PostgreSQL server at DATABASE_URL, or on PGlite in a temporary folder (as `pandora start`
 * keeps its files) without it, against the limits
 * (each in a fresh database of the same backend, run after the import): COPY of the file into a bare
 * table, and COPY of the imported deals, as the columns the importer writes, into the indexed deals table
 * (the limit every writer shares; the goal's ratio is the apply's rate against it). Peak RSS is sampled
 * over the import (the app's process; the upload comes from a child). Prints one JSON line.
 * Usage: [DATABASE_URL=…] npm run bench:import [-- rows]
 * `--preview-only`: upload → preview alone (wall time and peak RSS), on the server with DATABASE_URL or
 * on PGlite (its files in a temporary folder) without it; `--mb N` sizes the generated file in MB instead of rows. The upload is
 * sent from a child process, so the RSS figures are the server's (the app and, on PGlite, the database).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { once } from 'node:events';
import { loadConfig } from '../../src/config.ts';
import { startFileImport } from '../../src/connectors/file-import/file-import-jobs.ts';
import { openJobQueue } from '../../src/jobs/open-queue.ts';
import { createLogger } from '../../src/logger.ts';
import { buildDeps, listen } from '../../src/server.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPgliteDb, keepOnlyOptimisedWasmCode } from '../../src/db/pglite-driver.ts';
import { createScratchDb } from '../support/scratch-db.ts';
import { openCopyTarget } from '../support/copy-baseline.ts';
import { csvLine } from '../../src/db/bulk-upsert.ts';
import type { Db } from '../../src/db/db.ts';
import { ENTITY_TABLES } from '../../src/entities/entity-tables.ts';

const args = process.argv.slice(2);
const PREVIEW_ONLY = args.includes('--preview-only');
const MB_AT = args.indexOf('--mb');
const TARGET_MB = MB_AT >= 0 ? Number(args[MB_AT + 1]) : null;
// Flags that take a value: the value is not a positional argument.
const VALUED = new Set(['--mb', '--write-csv']);
const positional = args.filter((a, i) => !a.startsWith('--') && !VALUED.has(args[i - 1] ?? ''));
// A generated row is about 124 bytes.
const ROWS =
  TARGET_MB !== null ? Math.round((TARGET_MB * 1024 ** 2) / 124) : Number(positional[0] ?? 1_000_000);
const STAGES = [
  'Prospecting',
  'Qualification',
  'Demo scheduled',
  'Proposal',
  'Negotiation',
  'Closed Won',
  'Closed Lost',
];
const HEADER = 'Deal ID,Deal Name,Amount,Stage,Close Date,Deal Owner,Company,Pipeline,Probability';

async function generate(path: string): Promise<void> {
  const out = createWriteStream(path);
  out.write(`${HEADER}\n`);
  let chunk = '';
  for (let i = 0; i < ROWS; i++) {
    const month = String((i % 12) + 1).padStart(2, '0');
    chunk +=
      `D-${i},"Deal ${i} – Expansion","$${((i * 7919) % 250_000).toLocaleString('en-US')}.00",${STAGES[i % STAGES.length]},` +
      `2026-${month}-15,rep${i % 40}@northwind.io,"Company ${i % 5000}, Inc.",default,${(i % 10) * 10}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/**
 * This process's peak RSS until stop(), and what it held then: the JS heap, and outside it (external) the
 * embedded database's WebAssembly memory and buffers.
 */
function samplePeakMemory() {
  let peak = { peak_rss_mb: 0, at_peak: { heap_mb: 0, heap_used_mb: 0, external_mb: 0 } };
  const mb = (n: number) => Math.round(n / 1024 ** 2);
  const sample = () => {
    const m = process.memoryUsage();
    if (mb(m.rss) > peak.peak_rss_mb)
      peak = {
        peak_rss_mb: mb(m.rss),
        at_peak: { heap_mb: mb(m.heapTotal), heap_used_mb: mb(m.heapUsed), external_mb: mb(m.external) },
      };
  };
  sample();
  const timer = setInterval(sample, 20);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

/**
 * The file written by a child process, as a user's export exists before the server starts: the strings
 * the generator makes would otherwise sit in this process's heap and count in the server's RSS.
 */
async function generateInChild(path: string): Promise<void> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, process.argv[1]!, '--write-csv', path, String(ROWS)],
    {
      stdio: 'inherit',
    },
  );
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`generating the CSV failed (exit ${code})`);
}

// The client runs in a process of its own, as a browser would: the upload's buffers on the sending side
// (file reads, multipart copies) are not the server's, and the peak RSS sampled here is the server's alone.
const UPLOAD_CLIENT = `
const { openAsBlob } = require('node:fs');
const [base, file] = process.argv.slice(1);
(async () => {
  const form = new FormData();
  form.append('file', await openAsBlob(file), 'deals.csv');
  const up = await fetch(base + '/import/upload', {
    method: 'POST',
    headers: { authorization: process.env.BENCH_AUTHORIZATION },
    body: form,
  });
  process.stdout.write(JSON.stringify({ status: up.status, body: await up.json() }));
})();
`;

async function uploadForPreview(base: string, file: string, authorization: string): Promise<any> {
  const child = spawn(process.execPath, ['-e', UPLOAD_CLIENT, base, file], {
    env: { ...process.env, BENCH_AUTHORIZATION: authorization },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`upload client exited with ${code}`);
  const { status, body } = JSON.parse(out) as { status: number; body: any };
  if (status !== 201) throw new Error(`upload failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

/**
 * Upload → preview alone, on the server (DATABASE_URL) or on PGlite with its files in a folder, as
 * `pandora start` keeps them (in memory, the database's files would count in the process's RSS).
 */
async function previewOnly() {
  const serverUrl = process.env.DATABASE_URL;
  const dir = mkdtempSync(join(tmpdir(), 'pandora-bench-import-'));
  const scratch = serverUrl ? await createScratchDb(serverUrl, 'bench_import') : null;
  const db = scratch ? scratch.db : await createPgliteDb(join(dir, 'pglite'));
  if (!scratch) await migrate(db);
  const file = join(dir, 'deals.csv');
  try {
    await generateInChild(file);
    const bytes = statSync(file).size;
    const adminToken = randomBytes(24).toString('hex');
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      ...(scratch ? { DATABASE_URL: scratch.url } : {}),
      PANDORA_ADMIN_TOKEN: adminToken,
      PANDORA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      PANDORA_IMPORT_DIR: join(dir, 'uploads'),
      PANDORA_IMPORT_MAX_BYTES: String(4 * 1024 ** 3),
    });
    const deps = await buildDeps(config, db, createLogger('silent'), { ephemeral: true });
    const { server, url } = await listen(deps, 0, '127.0.0.1');
    const authorization = `Bearer ${adminToken}`;
    const ws = (await (
      await fetch(`${url}/api/workspaces`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: '{"name":"bench"}',
      })
    ).json()) as { id: string };
    // Peak RSS from here: the file is generated and the app is up; what the preview adds is what counts.
    const startRss = process.memoryUsage().rss;
    const memory = samplePeakMemory();
    const t0 = performance.now();
    const uploaded = await uploadForPreview(`${url}/api/workspaces/${ws.id}`, file, authorization);
    const previewMs = performance.now() - t0;
    const peak = memory.stop();
    server.closeAllConnections();
    server.close();
    const p = uploaded.preview;
    console.log(
      JSON.stringify({
        bench: 'import-preview',
        backend: scratch ? 'postgres' : 'pglite',
        rows: ROWS,
        file_mb: +(bytes / 1024 ** 2).toFixed(1),
        upload_preview_s: +(previewMs / 1000).toFixed(2),
        row_count: p.row_count,
        valid_rows: p.valid_rows,
        error_rows: p.error_rows,
        stage_values: p.stage_values.length,
        duplicate_keys_in_file: p.dedup.duplicate_keys_in_file,
        ...peak,
        // What the process held before the upload (the app, and on PGlite the embedded database).
        start_rss_mb: Math.round(startRss / 1024 ** 2),
      }),
    );
  } finally {
    if (scratch) await scratch.drop();
    else await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The imported deals, as the columns the importer writes, into a CSV file for the indexed COPY. */
async function exportDeals(db: Db, workspaceId: string, path: string): Promise<number> {
  const spec = ENTITY_TABLES.deals;
  const columns = ['id', 'workspace_id', ...Object.keys(spec.columns)];
  const types = { ...spec.columns, id: 'uuid', workspace_id: 'uuid' } as const;
  const out = createWriteStream(path);
  let after = '00000000-0000-0000-0000-000000000000';
  let n = 0;
  for (;;) {
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT ${columns.join(', ')} FROM deals WHERE workspace_id = $1::uuid AND id > $2::uuid ORDER BY id LIMIT 10000`,
      [workspaceId, after],
    );
    if (rows.length === 0) break;
    let text = '';
    for (const r of rows) text += csvLine(r, columns, { ...spec, columns: types });
    if (!out.write(text)) await once(out, 'drain');
    n += rows.length;
    after = rows[rows.length - 1]!.id as string;
  }
  out.end();
  await once(out, 'finish');
  return n;
}

async function main() {
  const serverUrl = process.env.DATABASE_URL;
  const dir = mkdtempSync(join(tmpdir(), 'pandora-bench-import-'));
  const scratch = serverUrl ? await createScratchDb(serverUrl, 'bench_import') : null;
  const db = scratch ? scratch.db : await createPgliteDb(join(dir, 'pglite'));
  if (!scratch) await migrate(db);
  const file = join(dir, 'deals.csv');
  const memory = samplePeakMemory();
  try {
    await generateInChild(file);
    const bytes = statSync(file).size;

    const adminToken = randomBytes(24).toString('hex');
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      ...(scratch ? { DATABASE_URL: scratch.url } : {}),
      PANDORA_ADMIN_TOKEN: adminToken,
      PANDORA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      PANDORA_IMPORT_DIR: join(dir, 'uploads'),
      PANDORA_IMPORT_MAX_BYTES: String(4 * 1024 ** 3),
    });
    const deps = await buildDeps(config, db, createLogger('silent'), { ephemeral: true });
    // As startServer does: pg-boss on the same database runs the apply job (in-process on PGlite).
    const queue = openJobQueue(config, deps.log);
    deps.queue = queue;
    await queue.start();
    const stopCleanup = await startFileImport({ ...deps, queue });
    const { server, url } = await listen(deps, 0, '127.0.0.1');
    const admin = {
      authorization: `Bearer ${adminToken}`,
      'content-type': 'application/json',
    };
    const ws = (await (
      await fetch(`${url}/api/workspaces`, { method: 'POST', headers: admin, body: '{"name":"bench"}' })
    ).json()) as { id: string };
    const base = `${url}/api/workspaces/${ws.id}`;

    const load = loadavg()[0]!;
    const t1 = performance.now();
    const uploaded = await uploadForPreview(base, file, admin.authorization);
    const previewMs = performance.now() - t1;
    const batchId = uploaded.batch.id as string;
    const t2 = performance.now();
    const confirm = await fetch(`${base}/import/${batchId}/confirm`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ strategy: uploaded.preview.dedup.recommended_strategy }),
    });
    if (confirm.status !== 202) throw new Error(`confirm failed: ${confirm.status} ${await confirm.text()}`);
    let batch: any;
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      batch = ((await (await fetch(`${base}/import/batches/${batchId}`, { headers: admin })).json()) as any)
        .batch;
      if (batch.status !== 'confirmed') break;
    }
    // Confirm → applied: the job's pickup, the apply transaction and its commit; not the post-sync chain,
    // which starts after the commit (the chain's run is waited for below, before the baselines run).
    const applyMs = performance.now() - t2;
    if (batch.status !== 'applied') throw new Error(`import ended ${batch.status}: ${batch.error}`);
    const totalMs = performance.now() - t1;
    server.closeAllConnections();
    server.close();
    stopCleanup();
    await queue.stop();
    const peak = memory.stop();

    // The limits, each in a fresh database of the same backend, after the import (so its peak RSS is the
    // app's alone): the file COPYed into a bare table of text columns, and the imported deals, as the
    // columns the importer writes, COPYed into the same indexed deals table (its indexes, triggers and
    // foreign keys: what every writer of deals pays).
    const dealsFile = join(dir, 'deals-rows.csv');
    const exported = await exportDeals(db, ws.id, dealsFile);
    const target = await openCopyTarget(serverUrl, 'bench_import_copy');
    let copyMs: number;
    let indexedMs: number;
    try {
      await target.query(
        `CREATE TABLE bench_copy_target (${HEADER.split(',')
          .map((_, i) => `c${i} text`)
          .join(', ')})`,
      );
      copyMs = await target.copyFile('bench_copy_target', file, true);
      await target.query(`INSERT INTO workspaces (id, name) VALUES ($1::uuid, 'bench')`, [ws.id]);
      indexedMs = await target.copyFile(
        `deals (id, workspace_id, ${Object.keys(ENTITY_TABLES.deals.columns).join(', ')})`,
        dealsFile,
      );
    } finally {
      await target.close();
    }

    const rate = (ms: number, rows = ROWS) => Math.round(rows / (ms / 1000));
    const indexed = rate(indexedMs, exported);
    console.log(
      JSON.stringify({
        bench: 'import',
        backend: scratch ? 'postgres' : 'pglite',
        rows: ROWS,
        file_mb: +(bytes / 1024 ** 2).toFixed(1),
        load_1m: +load.toFixed(2),
        copy_rows_per_s: rate(copyMs),
        copy_indexed_deals_rows_per_s: indexed,
        import_rows_per_s: rate(totalMs),
        apply_rows_per_s: rate(applyMs),
        // Apply alone (confirm → applied) against COPY into the indexed deals table: the goal's ratio.
        ratio_apply_vs_indexed_copy: +(rate(applyMs) / indexed).toFixed(3),
        // Upload, preview and apply against the same COPY, and against the bare-table COPY.
        ratio_import_vs_indexed_copy: +(rate(totalMs) / indexed).toFixed(3),
        ratio_import_vs_copy: +(rate(totalMs) / rate(copyMs)).toFixed(3),
        upload_preview_s: +(previewMs / 1000).toFixed(1),
        apply_s: +(applyMs / 1000).toFixed(1),
        copy_indexed_deals_s: +(indexedMs / 1000).toFixed(1),
        inserted: batch.counts.inserted,
        errored: batch.counts.errored,
        stage_history: batch.result.stage_transitions,
        ...peak,
      }),
    );
  } finally {
    memory.stop();
    if (scratch) await scratch.drop();
    else await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const WRITE_CSV_AT = args.indexOf('--write-csv');
if (WRITE_CSV_AT >= 0) await generate(args[WRITE_CSV_AT + 1]!);
else {
  // This process stands in for `pandora serve`, which keeps only the optimised WebAssembly code.
  keepOnlyOptimisedWasmCode();
  await (PREVIEW_ONLY ? previewOnly() : main());
}
