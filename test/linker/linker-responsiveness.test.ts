import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  benchAdminToken,
  type PandoraEnv,
  runPandora,
  servePandora,
} from '../../bench/support/pandora-process.ts';
import { createEmptyTestDb, type TestDb } from '../helpers/test-db.ts';

// A linker run on a generated world through `pandora serve`, with reads issued one after another while
// it runs: reads are answered between its chunks, and one of them sees the run half done.
let dir: string;
let server: TestDb | undefined;
let target: PandoraEnv;
const pandora = async (args: string[]) => (await runPandora(args, target)).stdout;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pandora-responsive-'));
  if (process.env.DATABASE_URL) server = await createEmptyTestDb();
  target = { dataDir: dir, databaseUrl: server?.url };
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
  await server?.close();
});

interface Coverage {
  conversations: number;
  unclassified: number;
  linked_to_deal: number;
  account_only: number;
}

test('reads are answered while the linker runs, and see its committed chunks', async () => {
  const ws = JSON.parse(await pandora(['workspace', 'create', 'responsive'])) as { id: string };
  // About 950 conversations: two chunks of classification and two of links.
  await pandora(['generate', '--workspace', ws.id, '--deals', '400']);
  const serve = await servePandora(target);
  try {
    const { url } = serve;
    const headers = { authorization: `Bearer ${benchAdminToken}`, 'content-type': 'application/json' };
    const get = async <T>(path: string) => {
      const res = await fetch(url + path, { headers });
      assert.equal(res.status, 200);
      return (await res.json()) as T;
    };
    const base = `/api/workspaces/${ws.id}`;
    const before = (await get<{ coverage: Coverage }>(`${base}/linker/status`)).coverage;
    assert.equal(before.unclassified, before.conversations, 'a generated world starts unclassified');

    let finished = false;
    const run = fetch(`${url}${base}/linker/run`, { method: 'POST', headers }).then(async (res) => {
      finished = true;
      assert.equal(res.status, 200);
      return (await res.json()) as { coverage: Coverage };
    });
    const duringRun: Coverage[] = [];
    let healthAnswered = 0;
    while (!finished) {
      const [status] = await Promise.all([
        get<{ coverage: Coverage }>(`${base}/linker/status`),
        get('/healthz').then(() => healthAnswered++),
      ]);
      if (!finished) duringRun.push(status.coverage);
    }
    const final = (await run).coverage;
    assert.ok(final.linked_to_deal > 0 && final.unclassified === 0, 'the run linked the world');
    const key = (c: Coverage) => `${c.unclassified}/${c.linked_to_deal}/${c.account_only}`;
    const halfDone = duringRun.filter((c) => key(c) !== key(before) && key(c) !== key(final));
    assert.ok(
      halfDone.length > 0,
      `a read answered before the run finished saw it half done (${duringRun.map(key).join(', ')})`,
    );
    assert.ok(healthAnswered > 0);
    // The chunks add up to one run: a second writes nothing.
    const again = await fetch(`${url}${base}/linker/run`, { method: 'POST', headers });
    assert.equal(((await again.json()) as { links_changed: number }).links_changed, 0);
  } finally {
    await serve.terminate();
  }
});
