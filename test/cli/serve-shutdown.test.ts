import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { benchAdminToken, servePandora } from '../../bench/support/pandora-process.ts';
import { createEmptyTestDb, type TestDb } from '../helpers/test-db.ts';

// `pandora serve` as a process manager stops it: SIGTERM while 32 clients keep requesting.
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
  const serve = await servePandora({ dataDir: dir, databaseUrl: server?.url });
  const { url } = serve;
  const headers = { authorization: `Bearer ${benchAdminToken}`, 'content-type': 'application/json' };
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
  const { code, signal } = await serve.terminate(15_000);
  await Promise.all(clients);
  assert.deepEqual(
    { code, signal },
    { code: 0, signal: null },
    `exited by itself after SIGTERM: ${serve.output().slice(-1000)}`,
  );
  assert.ok(answered.length > 0, 'requests were answered under load');
  assert.ok(
    answered.every((s) => s === 200),
    'every answer before the stop is a 200',
  );
});
