import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('stopping `npm start` stops the server: the signal reaches node, no orphan is left', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pandora-signals-'));
  const npm = spawn('npm', ['start', '--silent'], {
    env: { ...process.env, PANDORA_DATA_DIR: dir, DATABASE_URL: '', PORT: '0', PANDORA_DEMO_DEALS: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      npm.stdout.on('data', (chunk) => {
        output += chunk;
        if (/listening on http/.test(output)) resolve();
      });
      npm.stderr.on('data', (chunk) => {
        output += chunk;
      });
      npm.once('exit', (code) => reject(new Error(`npm start exited ${code}:\n${output}`)));
    });
    const { pid } = JSON.parse(await readFile(join(dir, 'server.json'), 'utf8')) as { pid: number };
    assert.notEqual(pid, npm.pid, 'the server is npm’s child');
    // 'close', not 'exit': the last output (the shutdown line) may still be in the pipe at exit.
    const exited = new Promise<number | null>((resolve) => npm.once('close', (code) => resolve(code)));
    npm.kill('SIGTERM');
    await exited;
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(alive(pid), false, `node (pid ${pid}) still runs after npm was stopped:\n${output}`);
    assert.match(output, /shutting down/);
  } finally {
    if (npm.exitCode === null) npm.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
