import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataDirLockedError, lockDataDir } from '../../src/db/data-dir-lock.ts';

test('a second process cannot open a data folder that a live process holds', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pandora-lock-'));
  try {
    const unlock = lockDataDir(dir);
    // A real second process, as a user would start one.
    const second = spawnSync(process.execPath, ['bin/pandora.js', 'workspace', 'list'], {
      env: { ...process.env, PANDORA_DATA_DIR: dir, DATABASE_URL: '' },
      encoding: 'utf8',
    });
    assert.equal(second.status, 1);
    assert.match(second.stderr, /in use by process \d+/);
    assert.throws(() => lockDataDir(dir), DataDirLockedError);
    unlock();
    const again = lockDataDir(dir);
    again();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a lock left by a dead process is taken over', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pandora-lock-'));
  try {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    await writeFile(join(dir, 'pandora.lock'), dead.stdout);
    const unlock = lockDataDir(dir);
    unlock();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
