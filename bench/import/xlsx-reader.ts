/**
 * bench/import xlsx-reader: a generated workbook of deals (shared strings, a date style, numbers,
 * booleans) read through the import's table reader, in a child process so its peak RSS is the reader's
 * alone. Prints one JSON line: rows, file and unpacked size, read seconds, rows per second, peak RSS.
 * Usage: npm run bench:import-xlsx [-- --rows 1000000] [--file existing.xlsx] [--inline]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTable } from '../../src/connectors/file-import/table-reader.ts';
import { inspectXlsx } from '../../src/connectors/file-import/zip-guard.ts';
import { type FixtureCell, writeXlsxFile } from '../../test/helpers/xlsx-writer.ts';

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const LIMITS = { maxColumns: 500, maxUnzippedBytes: 4 * 1024 ** 3 };
const STAGES = ['Prospecting', 'Qualification', 'Proposal', 'Negotiation', 'Closed Won', 'Closed Lost'];

function* deals(rows: number): Generator<FixtureCell[]> {
  yield [
    'Deal ID',
    'Deal Name',
    'Amount',
    'Stage',
    'Close Date',
    'Deal Owner',
    'Company',
    'Won',
    'Probability',
  ];
  for (let i = 0; i < rows; i++) {
    yield [
      `D-${i}`,
      `Deal ${i} – Expansion`,
      (i * 7919) % 250_000,
      STAGES[i % STAGES.length]!,
      new Date(Date.UTC(2026, i % 12, 15)),
      `rep${i % 40}@northwind.io`,
      `Company ${i % 5000}, Inc.`,
      i % 2 === 0,
      (i % 10) * 10,
    ];
  }
}

/** Child side: read every row, report time and peak RSS. */
async function readOnly(path: string): Promise<void> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t0 = performance.now();
  const table = await openTable(path, LIMITS);
  let rows = 0;
  for await (const r of table.rows) {
    if (r.error) throw new Error(`row ${r.row}: ${r.error}`);
    rows++;
  }
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(JSON.stringify({ rows, seconds, peak_rss_mb: Math.round(peak / 1024 ** 2) }));
}

async function main(): Promise<void> {
  const readPath = option('--read');
  if (readPath) return readOnly(readPath);
  const rows = Number(option('--rows') ?? 1_000_000);
  const given = option('--file');
  const dir = given ? null : mkdtempSync(join(tmpdir(), 'pandora-bench-xlsx-'));
  try {
    const path = given ?? join(dir!, 'deals.xlsx');
    let generateSeconds = 0;
    if (!given) {
      const t0 = performance.now();
      writeXlsxFile(path, [{ name: 'Deals', rows: deals(rows) }], {
        strings: args.includes('--inline') ? 'inline' : 'shared',
      });
      generateSeconds = (performance.now() - t0) / 1000;
    }
    const inspected = await inspectXlsx(path, LIMITS.maxUnzippedBytes);
    const child = execFileSync(
      process.execPath,
      ['--import', 'tsx', new URL(import.meta.url).pathname, '--read', path],
      { encoding: 'utf8', maxBuffer: 1024 ** 2 },
    );
    const read = JSON.parse(child.trim().split('\n').at(-1)!) as {
      rows: number;
      seconds: number;
      peak_rss_mb: number;
    };
    console.log(
      JSON.stringify({
        bench: 'import-xlsx-reader',
        reader: 'node:zlib inflate + xml-scanner',
        rows: read.rows,
        strings: args.includes('--inline') ? 'inline' : 'shared',
        file_mb: +(statSync(path).size / 1024 ** 2).toFixed(1),
        unzipped_mb: +(inspected.uncompressedBytes / 1024 ** 2).toFixed(1),
        generate_s: +generateSeconds.toFixed(2),
        read_s: +read.seconds.toFixed(2),
        rows_per_s: Math.round(read.rows / read.seconds),
        peak_rss_mb: read.peak_rss_mb,
      }),
    );
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
