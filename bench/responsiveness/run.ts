/**
 * Reads while heavy work runs in the same `pandora serve`: `/healthz` and `deals?limit=50&sort=-amount`,
 * each polled back to back, for a few seconds idle, then during a linker run on a never-linked generated
 * world, a second (no-op) linker run, a computed-fields run and the apply of a 50,000-deal import (with a
 * poll of its batch) until the batch is applied, then during that import's post-sync chain (`post_sync`),
 * then likewise for an import of the 5,000 companies those deals name (`accounts_import_relink`: its apply
 * links every stored deal).
 * Prints each read's p50/p99/max per phase and the ratio of its p99 during the work
 * to its idle p99; the embedded backend first, then the server with DATABASE_URL. Goal: `/healthz` and
 * status polls p99 < 500 ms while any job runs on PGlite.
 *   [DATABASE_URL=…] node --import tsx bench/responsiveness/run.ts [--deals 2000] [--import-rows 50000]
 *     [--data-dir <a data folder with a generated, unlinked world, copied before use>]
 *   PANDORA_SLOW_STATEMENT_MS=250 adds the embedded run's longest statements and transactions
 *   (`slow_statements`).
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  apiRequest,
  benchAdminToken,
  type PandoraEnv,
  runPandora,
  servePandora,
  slowStatements,
} from '../support/pandora-process.ts';
import { createScratchDb } from '../support/scratch-db.ts';

const { values } = parseArgs({
  options: {
    deals: { type: 'string', default: '2000' },
    'import-rows': { type: 'string', default: '50000' },
    'data-dir': { type: 'string' },
  },
});
const log = (...parts: unknown[]) => console.error('[bench:responsiveness]', ...parts);
const IMPORT_ROWS = Number(values['import-rows']);

function percentile(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!);
}

type Phase = Record<string, { n: number; p50: number | null; p99: number | null; max: number | null }>;

/** Polls each read back to back until `until` settles; a failed request counts with its time. */
async function readsDuring(url: string, paths: Record<string, string>, until: Promise<unknown>) {
  let done = false;
  const settled = until.finally(() => {
    done = true;
  });
  const times: Record<string, number[]> = {};
  const poll = async (name: string, path: string) => {
    times[name] = [];
    while (!done) {
      const started = performance.now();
      await apiRequest(url, 'GET', path).catch(() => undefined);
      times[name]!.push(performance.now() - started);
    }
  };
  await Promise.all([...Object.entries(paths).map(([n, p]) => poll(n, p)), settled]);
  const phase: Phase = {};
  for (const [name, xs] of Object.entries(times)) {
    phase[name] = {
      n: xs.length,
      p50: percentile(xs, 0.5),
      p99: percentile(xs, 0.99),
      max: percentile(xs, 1),
    };
  }
  return phase;
}

/** Each read's p99 during the work over its idle p99 (null where either has no figure). */
function ratioToIdle(phase: Phase, idle: Phase): Record<string, number | null> {
  return Object.fromEntries(
    Object.entries(phase).map(([read, f]) => [
      read,
      f.p99 && idle[read]?.p99 ? Math.round((f.p99 / idle[read]!.p99!) * 10) / 10 : null,
    ]),
  );
}

async function prepare(e: PandoraEnv): Promise<void> {
  if (values['data-dir'] && e.dataDir) {
    await cp(values['data-dir'], e.dataDir, { recursive: true });
    await rm(join(e.dataDir, 'server.json'), { force: true });
    return;
  }
  const ws = JSON.parse((await runPandora(['workspace', 'create', 'responsiveness'], e)).stdout) as {
    id: string;
  };
  log('generating', values.deals, 'deals');
  await runPandora(['generate', '--workspace', ws.id, '--deals', String(values.deals)], e);
}

async function measure(e: PandoraEnv) {
  await prepare(e);
  const server = await servePandora(e);
  try {
    const { body } = await apiRequest<{ data: { id: string }[] }>(server.url, 'GET', '/api/workspaces');
    const base = `/api/workspaces/${body.data[0]!.id}`;
    const reads = { healthz: '/healthz', deals_list: `${base}/deals?limit=50&sort=-amount` };
    const out: Record<string, unknown> = {};
    log('idle');
    const idle = await readsDuring(server.url, reads, new Promise((r) => setTimeout(r, 5000)));
    out.idle = idle;
    const jobs = [
      ['linker_first_run', '/linker/run'],
      ['linker_second_run', '/linker/run'],
      ['compute', '/compute/run'],
    ] as const;
    for (const [name, path] of jobs) {
      log(name);
      let jobMs = 0;
      const job = apiRequest(server.url, 'POST', base + path, {}).then((r) => {
        jobMs = r.ms;
      });
      const phase = await readsDuring(server.url, reads, job);
      out[name] = { job_ms: jobMs, ...phase, p99_ratio_to_idle: ratioToIdle(phase, idle) };
    }
    log('import_apply');
    const deals = ['Deal ID,Deal Name,Amount,Stage,Close Date,Company'];
    for (let i = 0; i < IMPORT_ROWS; i++)
      deals.push(`IMP-${i},Imported ${i},${(i * 37) % 90_000},Proposal,2026-03-15,Importer ${i % 5000} Ltd`);
    out.import_apply = await duringImportApply(server.url, base, reads, idle, deals);
    // The companies those deals name, imported after them: the apply links every stored deal.
    log('accounts_import_relink');
    const accounts = ['Company Name,Company Domain'];
    for (let i = 0; i < 5000; i++) accounts.push(`Importer ${i} Ltd,importer${i}.example`);
    out.accounts_import_relink = await duringImportApply(server.url, base, reads, idle, accounts);
    if (process.env.PANDORA_SLOW_STATEMENT_MS) out.slow_statements = slowStatements(server.output());
    return out;
  } catch (err) {
    log('failed; the server said:', server.output().slice(-4000));
    throw err;
  } finally {
    await server.terminate();
  }
}

/**
 * An import of `lines` (a CSV's), uploaded and confirmed through the API; the reads, and a poll of the
 * batch, run while it applies (until the batch leaves `confirmed`), then during its post-sync chain.
 */
async function duringImportApply(
  url: string,
  base: string,
  reads: Record<string, string>,
  idle: Phase,
  lines: string[],
) {
  const form = new FormData();
  form.append('file', new Blob([`${lines.join('\n')}\n`]), 'responsiveness.csv');
  const uploaded = await fetch(`${url}${base}/import/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${benchAdminToken}` },
    body: form,
  });
  const { batch } = (await uploaded.json()) as { batch: { id: string } };
  const statusPath = `${base}/import/batches/${batch.id}`;
  const started = performance.now();
  const confirmed = await apiRequest(url, 'POST', `${base}/import/${batch.id}/confirm`, {
    strategy: 'merge',
    accept_proposed_stages: true,
  });
  if (confirmed.status !== 202) throw new Error(`confirm answered ${confirmed.status}`);
  type Batch = { status: string; result: { sync_log_id?: string; relink?: Record<string, number> } };
  const applied = (async () => {
    for (;;) {
      const got = await apiRequest<{ batch: Batch }>(url, 'GET', statusPath);
      if (got.body.batch.status !== 'confirmed') return got.body.batch;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const phase = await readsDuring(url, { ...reads, batch_status: statusPath }, applied);
  const batchDone = await applied;
  const applyMs = Math.round(performance.now() - started);
  // The committed import's post-sync chain (linker, computed fields, …) runs next in the same process.
  const runPath = `${base}/sync-log/${batchDone.result.sync_log_id}`;
  type Step = { name: string; status: string; duration_ms: number };
  const chainDone = (async (): Promise<Step[] | undefined> => {
    if (!batchDone.result.sync_log_id) return;
    for (;;) {
      const got = await apiRequest<{ status: string; progress: { post_sync?: Step[] } }>(url, 'GET', runPath);
      if (got.body.status !== 'running' && got.body.status !== 'queued') return got.body.progress.post_sync;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const chain = await readsDuring(url, { ...reads, batch_status: statusPath }, chainDone);
  const steps = Object.fromEntries(((await chainDone) ?? []).map((s) => [s.name, s.duration_ms]));
  return {
    rows: lines.length - 1,
    status: batchDone.status,
    relink: batchDone.result.relink,
    job_ms: applyMs,
    ...phase,
    p99_ratio_to_idle: ratioToIdle(phase, idle),
    post_sync: {
      job_ms: Math.round(performance.now() - started) - applyMs,
      step_ms: steps,
      ...chain,
      p99_ratio_to_idle: ratioToIdle(chain, idle),
    },
  };
}

const out: Record<string, unknown> = { bench: 'responsiveness', deals: Number(values.deals) };
const dataDir = await mkdtemp(join(tmpdir(), 'pandora-responsiveness-'));
try {
  out.embedded = await measure({ dataDir });
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
if (process.env.DATABASE_URL && !values['data-dir']) {
  const scratch = await createScratchDb(process.env.DATABASE_URL, 'pandora_bench_responsive', 1);
  try {
    out.server = await measure({ databaseUrl: scratch.url });
  } finally {
    await scratch.drop();
  }
}
console.log(JSON.stringify(out));
