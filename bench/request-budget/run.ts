/**
 * Request budget benchmark: several processes call one upstream account (a fake that times every request)
 * and the busiest window is compared with the account's budget. Embedded backend first: one process (a
 * PGlite data folder allows no other), its clients drawing from the in-memory bucket. With DATABASE_URL,
 * three processes booking from the shared budget in PostgreSQL, then three processes with a budget each
 * (the behaviour before), and what one booking costs.
 *
 *   [DATABASE_URL=…] npm run bench:request-budget -- [--requests 60] [--capacity 10] [--per-second 10]
 * Progress goes to stderr; stdout gets one JSON line of figures.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createHttpClient } from '../../src/connectors/http-client.ts';
import { createSharedTokenBucket, requestBudget } from '../../src/connectors/request-budget.ts';
import { createPgliteDb } from '../../src/db/pglite-driver.ts';
import { migrate } from '../../src/db/migrate.ts';
import { mostRequestsInWindow, startFakeServer } from '../../test/fakes/fake-server.ts';
import { createScratchDb } from '../support/scratch-db.ts';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '60' },
    capacity: { type: 'string', default: '10' },
    'per-second': { type: 'string', default: '10' },
  },
});
const PER_PROCESS = Number(args.requests);
const CAPACITY = Number(args.capacity);
const PER_SECOND = Number(args['per-second']);
const PROCESSES = 3;
const CLIENTS = 4;
const WINDOW_MS = 1000;
// A token bucket lets at most its capacity plus one second of refill through in any one-second window.
const BUDGET = CAPACITY + PER_SECOND * (WINDOW_MS / 1000);
const log = (...parts: unknown[]) => console.error('[bench:request-budget]', ...parts);
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const fake = await startFakeServer(() => ({ json: { ok: true } }));

function windowFigures(started: number, processes: number) {
  const sent = fake.requests.filter((r) => r.at >= started);
  const most = mostRequestsInWindow(sent, WINDOW_MS);
  return {
    processes,
    requests: sent.length,
    budget_per_window: BUDGET,
    most_in_window: most,
    ratio_to_budget: round(most / BUDGET),
    // Refusing to crowd must not cost throughput: the sustained rate should stay near the refill rate.
    sent_per_second: round(sent.length / ((sent.at(-1)!.at - sent[0]!.at) / 1000), 1),
    refill_per_second: PER_SECOND,
  };
}

function runProcess(mode: 'shared' | 'private', dbUrl: string, key: string, startAt: number): Promise<void> {
  const script = join(import.meta.dirname, 'client-process.ts');
  const argv = [mode, fake.url, dbUrl, key, CAPACITY, PER_SECOND, PER_PROCESS, CLIENTS, startAt].map(String);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...argv], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`client process exited ${code}`))));
  });
}

async function embedded() {
  const db = await createPgliteDb();
  await migrate(db);
  const started = performance.now();
  const bucket = requestBudget(db, 'bench-account', { capacity: CAPACITY, refillPerSecond: PER_SECOND });
  await Promise.all(
    Array.from({ length: PROCESSES * CLIENTS }, async (_, i) => {
      const http = createHttpClient({ service: 'Fake', baseUrl: fake.url, rateLimit: bucket });
      for (let n = i; n < PROCESSES * PER_PROCESS; n += PROCESSES * CLIENTS) await http.get('/records');
    }),
  );
  await db.close();
  return { ...windowFigures(started, 1), clients: PROCESSES * CLIENTS, budget: 'in memory' };
}

async function server(url: string) {
  const scratch = await createScratchDb(url, 'bench_budget');
  try {
    // Child processes need a few seconds to start under tsx; they then send from the same moment.
    const together = () => Date.now() + 5000;
    let started = performance.now();
    let startAt = together();
    await Promise.all(
      Array.from({ length: PROCESSES }, () => runProcess('shared', scratch.url, 'bench-shared', startAt)),
    );
    const shared = { ...windowFigures(started, PROCESSES), budget: 'postgres' };
    log('shared', shared);
    started = performance.now();
    startAt = together();
    await Promise.all(
      Array.from({ length: PROCESSES }, () => runProcess('private', scratch.url, 'unused', startAt)),
    );
    const perProcess = { ...windowFigures(started, PROCESSES), budget: 'one per process (before)' };
    log('one per process', perProcess);
    // What a booking costs when the budget has room: one round trip and the row update.
    const bucket = createSharedTokenBucket(scratch.db, 'bench-cost', { capacity: 1e9, refillPerSecond: 1e9 });
    const times: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t0 = performance.now();
      await bucket.take();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return {
      shared,
      one_budget_per_process: perProcess,
      booking_ms: { p50: round(times[1000]!, 3), p99: round(times[1980]!, 3) },
    };
  } finally {
    await scratch.drop();
  }
}

const out: Record<string, unknown> = { bench: 'request-budget', window_ms: WINDOW_MS };
log('embedded…');
out.embedded = await embedded();
log('embedded', out.embedded);
if (process.env.DATABASE_URL) out.server = await server(process.env.DATABASE_URL);
out.loadavg = loadavg();
await fake.close();
console.log(JSON.stringify(out));
