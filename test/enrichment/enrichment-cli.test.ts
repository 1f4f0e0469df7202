import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

// `pandora enrichment` on the embedded backend, in a throwaway data folder, as a user runs it.
describe('pandora enrichment', () => {
  let dir: string;
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/pandora.js', ...args], {
      env: { ...process.env, PANDORA_DATA_DIR: dir, DATABASE_URL: '', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pandora-enrichment-cli-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('run reports each step (no keys: Apollo and Serper not configured); status prints JSON; bad input exits 2', () => {
    const created = run('workspace', 'create', 'Enrich');
    assert.equal(created.status, 0, created.stderr);
    const ws = (JSON.parse(created.stdout) as { id: string }).id;

    const ran = run('enrichment', 'run', '--workspace', ws);
    assert.equal(ran.status, 0, ran.stderr);
    assert.match(ran.stdout, /^enrichment succeeded: 0 deals/);
    assert.match(ran.stdout, /apollo: not_configured .*Apollo \(no API key\) is not configured/);
    assert.match(ran.stdout, /linkedin: not_configured/);

    const status = run('enrichment', 'status', '--workspace', ws);
    assert.equal(status.status, 0, status.stderr);
    const body = JSON.parse(status.stdout);
    assert.equal(body.providers.apollo.configured, false);
    assert.equal(body.last_run.trigger, 'cli');

    const bad = run('enrichment', 'run', '--workspace', ws, '--deal', 'nope');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--deal <uuid>/);
  });
});
