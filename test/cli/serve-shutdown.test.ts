import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createEmptyTestDb, type TestDb } from '../helpers/test-db.ts';

// `pandora serve` as a process manager stops it: SIGTERM while 32 clients keep requesting.
const TOKEN = 'shutdown-test-admin-token-0123456789';
let dir: string;
let server: TestDb | undefined;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pandora-shutdown-'));
  // On the server backend: a database of this test's own, which the process migrates at start.
  if (process.env.DATABASE_URL) server = await createEmptyTestDb();
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
  await server?.close();
});

test('SIGTERM under load: every request is answered whole or its connection closed, and the process exits', async () => {
  const child = spawn(process.execPath, ['bin/pandora.js', 'serve'], {
    env: {
      ...process.env,
      PANDORA_DATA_DIR: dir,
      DATABASE_URL: server?.url ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      PANDORA_ADMIN_TOKEN: TOKEN,
      PANDORA_DEMO_DEALS: '0',
      PANDORA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      output += d;
      const m = output.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]!);
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d;
    });
    void exited.then(() => reject(new Error(`serve exited early: ${output}`)));
  });
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  const ws = (await (
    await fetch(`${url}/api/workspaces`, { method: 'POST', headers, body: '{"name":"load"}' })
  ).json()) as {
    id: string;
  };
  const paths = [
    `/api/workspaces/${ws.id}/deals?limit=50&sort=-amount`,
    `/api/workspaces/${ws.id}/pipeline/summary`,
    '/healthz',
  ];
  const answered: number[] = [];
  const cut: string[] = [];
  let stopping = false;
  const client = async (i: number) => {
    while (!stopping || answered.length + cut.length < 10_000) {
      try {
        const res = await fetch(url + paths[i % paths.length]!, { headers });
        const body = await res.text();
        answered.push(res.status);
        // An answer is whole JSON, never a truncated body or a 5xx.
        assert.ok(res.status < 500, `${res.status} ${body}`);
        JSON.parse(body);
      } catch (err) {
        if (!stopping) throw err;
        cut.push(String((err as Error).cause ?? err));
        return;
      }
    }
  };
  const clients = Array.from({ length: 32 }, (_, i) => client(i));
  await new Promise((r) => setTimeout(r, 1500));
  stopping = true;
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const exit = await exited;
  clearTimeout(kill);
  await Promise.all(clients);
  assert.deepEqual(exit, { code: 0, signal: null }, `exited by itself after SIGTERM: ${output.slice(-1000)}`);
  assert.ok(answered.length > 0, 'requests were answered under load');
  assert.ok(
    answered.every((s) => s === 200),
    'every answer before the stop is a 200',
  );
});
