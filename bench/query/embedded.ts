/**
 * The everyday reads on a demo-sized world, as `pandora serve` answers them on the embedded backend and
 * (with DATABASE_URL) on the server: 32 concurrent clients per endpoint for --duration seconds on
 * `deals?limit=50&sort=-amount`, `pipeline/summary` and `conversations-without-deals?limit=50`
 * (p50/p99/requests per second), then SIGTERM while 32 clients load the deals list: milliseconds until
 * the process exited. Goals on the embedded demo: list p99 < 100 ms, conversations-without-deals p99
 * < 150 ms, stopped within 5 s. Baseline (embedded, 2,000 deals): list p50 267 / p99 620 ms (115 req/s),
 * summary p99 103 ms, conversations-without-deals p50 5 s (0.3 req/s), not stopped within 7 s.
 * Stored internal domains and per-candidate index probes, back to back on one loaded machine (load 4–5):
 * conversations-without-deals p50 972 → 647 ms, p99 8,941 → 6,954 ms, 13 → 32 req/s, 17 → 8 timeouts;
 * the p99 goal is not met (one request still costs PGlite some 25 ms).
 * With the read cache (quiet machine, 20 s each): list p50 6 / p99 29 ms (3,403 req/s), summary p99 22 ms,
 * conversations-without-deals p50 6 / p99 28 ms (3,707 req/s); without it, in the same run: list p99
 * 505 ms (128 req/s), conversations-without-deals p50 582 / p99 4,882 ms (49 req/s); SIGTERM 239 ms.
 * The embedded run is made twice, with the read cache off (every request reaches PGlite) and on (the
 * default: a repeated read is answered from memory until the next committed write). With the cache off,
 * the list and conversations without deals are also loaded from 32 connections opened before the clock
 * starts (`read_cache_off_open_connections`): autocannon's p99 there is mostly the connections' start.
 *   [DATABASE_URL=…] node --import tsx bench/query/embedded.ts [--deals 2000] [--duration 20]
 *     [--data-dir <a data folder with the demo already built, copied before use>]
 *   PANDORA_SLOW_STATEMENT_MS=250 adds the statements that took that long with the read cache off.
 */
import { Agent, get } from 'node:http';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
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
    duration: { type: 'string', default: '20' },
    'data-dir': { type: 'string' },
  },
});
const DURATION = Number(values.duration);
const log = (...parts: unknown[]) => console.error('[bench:query-embedded]', ...parts);

async function load(url: string, path: string, duration = DURATION) {
  const r = await autocannon({
    url: url + path,
    connections: 32,
    duration,
    headers: { authorization: `Bearer ${benchAdminToken}` },
  });
  return {
    p50: r.latency.p50,
    p99: r.latency.p99,
    rps: Math.round(r.requests.average),
    non2xx: r.non2xx,
    timeouts: r.timeouts,
  };
}

/**
 * The same load from 32 keep-alive connections opened before the clock starts. Under
 * autocannon every connection is new when the load begins, and on the embedded backend the k-th
 * connection's first request waits while the established ones are served (one more connection admitted
 * per round of the others: 0.4 … 8 s on the uncached conversations without deals), so its p99 is the
 * connections' start. This is the steady state of 32 clients already connected.
 */
async function loadConnected(url: string, path: string, duration = DURATION) {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const { hostname, port } = new URL(url);
  const request = () =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      get({ hostname, port, path, agent, headers: { authorization: `Bearer ${benchAdminToken}` } }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - started)
            : reject(new Error(`${path} answered ${res.statusCode}`)),
        );
      }).on('error', reject);
    });
  try {
    // 32 at once, so the agent opens 32 sockets (a free socket would be reused); not timed.
    await Promise.all(Array.from({ length: 32 }, request));
    const open = Object.values(agent.freeSockets).flat().length;
    if (open !== 32) throw new Error(`expected 32 open connections, have ${open}`);
    const times: number[] = [];
    const until = performance.now() + duration * 1000;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (performance.now() < until) times.push(await request());
      }),
    );
    times.sort((a, b) => a - b);
    const at = (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))]!);
    return { p50: at(0.5), p99: at(0.99), max: at(1), rps: Math.round(times.length / duration) };
  } finally {
    agent.destroy();
  }
}

/** A world: the linked demo folder given, or `pandora generate` plus a linker run on a fresh database. */
async function prepare(e: PandoraEnv): Promise<void> {
  if (values['data-dir'] && e.dataDir) {
    await cp(values['data-dir'], e.dataDir, { recursive: true });
    await rm(join(e.dataDir, 'server.json'), { force: true });
    return;
  }
  const ws = JSON.parse((await runPandora(['workspace', 'create', 'query bench'], e)).stdout) as {
    id: string;
  };
  log('generating', values.deals, 'deals');
  await runPandora(['generate', '--workspace', ws.id, '--deals', String(values.deals)], e);
  const server = await servePandora(e);
  try {
    await apiRequest(server.url, 'POST', `/api/workspaces/${ws.id}/linker/run`);
  } finally {
    await server.terminate();
  }
}

async function loadEndpoints(e: PandoraEnv) {
  const server = await servePandora(e);
  const { body } = await apiRequest<{ data: { id: string }[] }>(server.url, 'GET', '/api/workspaces');
  const base = `/api/workspaces/${body.data[0]!.id}`;
  const targets = {
    deals_list: `${base}/deals?limit=50&sort=-amount`,
    pipeline_summary: `${base}/pipeline/summary`,
    conversations_without_deals: `${base}/conversations-without-deals?limit=50`,
  };
  const out: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(targets)) {
    log(name, e.extra ?? '');
    out[name] = await load(server.url, path);
  }
  return { server, out, targets };
}

/** The goals' two reads from connections already open (see loadConnected). */
async function loadConnectedEndpoints(url: string, targets: Record<string, string>) {
  const out: Record<string, unknown> = {};
  for (const name of ['deals_list', 'conversations_without_deals']) {
    log(name, 'from open connections');
    out[name] = await loadConnected(url, targets[name]!);
  }
  return out;
}

/**
 * The embedded backend twice: every request to the database (read cache off), then as configured by
 * default (repeated reads answered from memory until a write commits). A server has no read cache.
 */
async function measure(e: PandoraEnv) {
  await prepare(e);
  const out: Record<string, unknown> = {};
  if (e.dataDir) {
    const uncached = await loadEndpoints({ ...e, extra: { PANDORA_READ_CACHE_SECONDS: '0' } });
    out.read_cache_off = uncached.out;
    out.read_cache_off_open_connections = await loadConnectedEndpoints(uncached.server.url, uncached.targets);
    await uncached.server.terminate();
    if (process.env.PANDORA_SLOW_STATEMENT_MS)
      out.read_cache_off_slow_statements = slowStatements(uncached.server.output());
  }
  const { server, out: figures, targets } = await loadEndpoints(e);
  Object.assign(out, figures);
  log('SIGTERM under load');
  const loading = load(server.url, targets.deals_list, 10).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 2000));
  const stop = await server.terminate();
  await loading;
  out.sigterm_under_load = { exit_ms: stop.ms, code: stop.code, signal: stop.signal };
  return out;
}

const out: Record<string, unknown> = { bench: 'query-embedded', duration_s: DURATION, connections: 32 };
const dataDir = await mkdtemp(join(tmpdir(), 'pandora-query-bench-'));
try {
  out.embedded = await measure({ dataDir });
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
if (process.env.DATABASE_URL && !values['data-dir']) {
  const scratch = await createScratchDb(process.env.DATABASE_URL, 'pandora_bench_query_e', 1);
  try {
    out.server = await measure({ databaseUrl: scratch.url });
  } finally {
    await scratch.drop();
  }
}
console.log(JSON.stringify(out));
