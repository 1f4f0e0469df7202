import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

// The CLI on the embedded backend, in a throwaway data folder, exactly as a user runs it.
describe('pandora CLI', () => {
  let dir: string;
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/pandora.js', ...args], {
      env: { ...process.env, PANDORA_DATA_DIR: dir, DATABASE_URL: '', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pandora-cli-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('migrate, workspace create/list, apikey create/revoke', () => {
    const migrated = run('migrate');
    assert.equal(migrated.status, 0, migrated.stderr);
    assert.match(migrated.stdout, /applied: 001_core\.sql/);
    assert.match(run('migrate').stdout, /up to date/);

    const created = run('workspace', 'create', 'Acme', 'Corp');
    assert.equal(created.status, 0, created.stderr);
    const ws = JSON.parse(created.stdout) as { id: string; name: string };
    assert.equal(ws.name, 'Acme Corp');
    assert.match(run('workspace', 'list').stdout, new RegExp(`${ws.id}\\s+Acme Corp`));

    const key = run('apikey', 'create', '--workspace', ws.id, '--name', 'ci');
    assert.equal(key.status, 0, key.stderr);
    const [, keyId] = key.stdout.match(/API key ([0-9a-f-]{36})/)!;
    assert.match(key.stdout, /\npdr_/);
    const revoked = run('apikey', 'revoke', keyId!, '--workspace', ws.id);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.match(revoked.stdout, /revoked/);
  });

  test('bad input: a message and a non-zero exit', () => {
    const unknown = run('frobnicate');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    const noName = run('workspace', 'create');
    assert.equal(noName.status, 2);
    assert.match(noName.stderr, /needs a name/);
    const badWs = run('apikey', 'create', '--workspace', 'nope');
    assert.equal(badWs.status, 2);
    const missing = run('apikey', 'create', '--workspace', '00000000-0000-0000-0000-000000000000');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /workspace not found/);
  });
});
