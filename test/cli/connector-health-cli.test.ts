import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

// `pandora connector health|reconcile` on the embedded backend, as a user runs them.
describe('pandora connector health and reconcile', () => {
  let dir: string;
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/pandora.js', ...args], {
      env: { ...process.env, PANDORA_DATA_DIR: dir, DATABASE_URL: '', LOG_LEVEL: 'warn' },
      encoding: 'utf8',
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pandora-health-cli-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('usage errors exit 2; a connector not connected is named', () => {
    const usage = cli('connector', 'health', 'hubspot');
    assert.equal(usage.status, 2, usage.stderr);
    assert.match(usage.stderr, /--workspace <uuid> is required/);

    const ws = JSON.parse(cli('workspace', 'create', 'Acme').stdout) as { id: string };
    const health = cli('connector', 'health', 'hubspot', '--workspace', ws.id);
    assert.equal(health.status, 1);
    assert.match(health.stderr, /hubspot/);
    const reconcile = cli('connector', 'reconcile', 'gong', '--workspace', ws.id);
    assert.equal(reconcile.status, 1);
    assert.match(reconcile.stderr, /gong has no associations to reconcile/);
  });
});
