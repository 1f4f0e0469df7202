/**
 * The `pandora` command as a user runs it, for benchmarks and process-level tests: one-shot commands
 * and a `pandora serve` process on an ephemeral port, on either backend (a data folder for the embedded
 * one, DATABASE_URL for a server).
 */
import type { SlowWork } from '../../src/db/pglite-driver.ts';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'pandora.js');

export interface PandoraEnv {
  /** Embedded: the data folder. */
  dataDir?: string;
  /** Server: the database. */
  databaseUrl?: string;
  extra?: Record<string, string>;
}

export const benchAdminToken = randomBytes(24).toString('hex');
const encryptionKey = randomBytes(32).toString('hex');

// The caller's own PANDORA_* settings reach the process (to compare one setting against another);
// the ones a bench depends on are set after them.
function env(e: PandoraEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('PANDORA_'))),
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    PANDORA_ADMIN_TOKEN: benchAdminToken,
    PANDORA_ENCRYPTION_KEY: encryptionKey,
    PANDORA_DEMO_DEALS: '0',
    ...e.extra,
  };
  if (e.dataDir) out.PANDORA_DATA_DIR = e.dataDir;
  if (e.databaseUrl) out.DATABASE_URL = e.databaseUrl;
  return out;
}

/** Runs `pandora <args>` to completion; resolves with its stdout and wall time, rejects on a non-zero exit. */
export function runPandora(args: string[], e: PandoraEnv): Promise<{ stdout: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: env(e), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code) => {
      if (code === 0) resolve({ stdout, ms: Math.round(performance.now() - started) });
      else reject(new Error(`pandora ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
    });
  });
}

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Output so far (stdout and stderr). */
  output(): string;
  /** SIGTERM; resolves with the milliseconds until the process exited, and its exit code. */
  terminate(timeoutMs?: number): Promise<{ ms: number; code: number | null; signal: string | null }>;
}

/** Starts `pandora serve` (or `start`) and resolves once it printed its URL. */
export function servePandora(e: PandoraEnv, command: 'serve' | 'start' = 'serve'): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, command], { env: env(e), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d;
      const m = output.match(/listening on (http:\/\/\S+)/);
      if (m) {
        child.stdout.off('data', onData);
        child.stdout.on('data', (more) => {
          output += more;
        });
        resolve({
          url: m[1]!,
          child,
          output: () => output,
          async terminate(timeoutMs = 30_000) {
            const started = performance.now();
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
            const r = await exited;
            clearTimeout(timer);
            return { ms: Math.round(performance.now() - started), ...r };
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => {
      output += d;
    });
    void exited.then((r) =>
      reject(new Error(`pandora ${command} exited (${r.code ?? r.signal}): ${output.slice(-2000)}`)),
    );
  });
}

/** A JSON request with the admin token; resolves with the status, body and milliseconds taken. */
export async function apiRequest<T = unknown>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${benchAdminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, ms: performance.now() - started };
}

/**
 * With PANDORA_SLOW_STATEMENT_MS set, the embedded server logs each statement that took that long and
 * each stretch that long without a turn of its event loop: the twenty longest by their worst time (a
 * stretch under its longest statement), with how often each took that long.
 */
export function slowStatements(output: string) {
  type Seen = { kind: string; statement: string; times: number; max_ms: number; at_max?: object };
  const byStatement = new Map<string, Seen>();
  for (const line of output.split('\n')) {
    if (!line.includes('"msg":"slow ') && !line.includes('"msg":"event loop held"')) continue;
    const { ms, statement, kind, statements, statements_ms, first_statement } = JSON.parse(line) as SlowWork;
    const key = `${kind}: ${statement.slice(0, 160)}`;
    const seen = byStatement.get(key) ?? { kind, statement: statement.slice(0, 160), times: 0, max_ms: 0 };
    seen.times++;
    if (ms > seen.max_ms) {
      seen.max_ms = ms;
      // A held event loop: how many statements ran in its longest stretch, and their share of it.
      if (kind === 'event loop')
        seen.at_max = { statements, statements_ms, first_statement: first_statement?.slice(0, 160) };
    }
    byStatement.set(key, seen);
  }
  return [...byStatement.values()].sort((a, b) => b.max_ms - a.max_ms).slice(0, 20);
}
