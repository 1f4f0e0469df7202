import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

// The CLI as a user runs it next to `pandora serve` on the embedded backend.
describe('pandora CLI with a server on the same data folder', () => {
  let dir: string;
  const env = () => ({
    ...process.env,
    PANDORA_DATA_DIR: dir,
    DATABASE_URL: '',
    LOG_LEVEL: 'warn',
    PANDORA_ADMIN_TOKEN: '',
  });
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/pandora.js', ...args], { env: env(), encoding: 'utf8' });

  function serve(port: number): {
    child: ChildProcess;
    ready: Promise<string>;
    exited: Promise<number | null>;
  } {
    const child = spawn(process.execPath, ['bin/pandora.js', 'serve'], {
      env: { ...env(), PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const ready = new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk;
        if (
          /listening on/.test(output) &&
          (/Admin token/.test(output) || existsSync(join(dir, 'admin-token.sha256')))
        )
          resolve(output);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => {
        output += chunk;
      });
      exited.then((code) => reject(new Error(`serve exited ${code}: ${output}`)));
    });
    return { child, ready, exited };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pandora-live-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('--help answers without creating the data folder', () => {
    const fresh = join(dir, 'never-created');
    const r = spawnSync(process.execPath, ['bin/pandora.js', 'serve', '--help'], {
      env: { ...env(), PANDORA_DATA_DIR: fresh },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0);
    assert.match(r.stdout, /usage: pandora serve/);
    assert.equal(existsSync(fresh), false);
    const bad = spawnSync(process.execPath, ['bin/pandora.js', 'migrate', '--force'], {
      env: env(),
      encoding: 'utf8',
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /Unknown option '--force'[\s\S]*usage: pandora migrate/);
  });

  test('a first start that cannot listen keeps no admin token; the next start shows one', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const failed = serve(port);
    await assert.rejects(failed.ready, /EADDRINUSE/);
    const code = await failed.exited;
    taken.close();
    assert.notEqual(code, 0);
    assert.equal(existsSync(join(dir, 'admin-token.sha256')), false, 'no hash of a token nobody saw');
    assert.equal(existsSync(join(dir, 'server.json')), false);
  });

  test('skill run, skill show, workspaces and keys go through the live server; rotate replaces the admin token', async () => {
    const server = serve(0);
    try {
      const output = await server.ready;
      const url = output.match(/listening on (http:\/\/\S+)/)![1]!;
      const admin = output.match(/Admin token \(shown once, keep it\): (pdr_admin_\S+)/)![1]!;
      // The hash is written right after the token is printed: give that line a moment to land.
      for (let i = 0; i < 50 && !existsSync(join(dir, 'admin-token.sha256')); i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.ok(existsSync(join(dir, 'admin-token.sha256')), 'kept once shown');

      const created = cli('workspace', 'create', 'Live', 'Co');
      assert.equal(created.status, 0, created.stderr);
      const ws = (JSON.parse(created.stdout) as { id: string }).id;
      assert.match(cli('workspace', 'list').stdout, new RegExp(`${ws}\\s+Live Co`));
      const key = cli('apikey', 'create', '--workspace', ws, '--read-only');
      assert.equal(key.status, 0, key.stderr);
      const plaintext = key.stdout.trim().split('\n').at(-1)!;
      const viaKey = await fetch(`${url}/api/workspaces/${ws}/deals`, {
        headers: { authorization: `Bearer ${plaintext}` },
      });
      assert.equal(viaKey.status, 200);

      const ran = cli('skill', 'run', 'forecast', '--workspace', ws);
      assert.equal(ran.status, 0, ran.stderr);
      assert.doesNotMatch(ran.stderr, /in use/);
      const runId = ran.stdout.match(/== forecast · run ([0-9a-f-]{36}) · succeeded/)![1]!;
      const shown = cli('skill', 'show', 'forecast', '--workspace', ws);
      assert.equal(shown.status, 0, shown.stderr);
      assert.match(shown.stdout, new RegExp(`== forecast · run ${runId} · succeeded`));
      const none = cli('skill', 'show', 'pipeline-hygiene', '--workspace', ws);
      assert.equal(none.status, 1);
      assert.match(none.stderr, /no run of pipeline-hygiene yet/);

      const generate = cli('generate', '--workspace', ws, '--deals', '5');
      assert.equal(generate.status, 1);
      assert.match(generate.stderr, /a Pandora server \(process \d+, http:\/\/\S+\) holds this data folder/);
      assert.match(cli('migrate').stdout, /up to date/);

      const rotated = cli('admin-token', 'rotate');
      assert.equal(rotated.status, 0, rotated.stderr);
      const fresh = rotated.stdout.match(/New admin token \(shown once, keep it\): (pdr_admin_\S+)/)![1]!;
      await new Promise((r) => setTimeout(r, 1100)); // the server looks at the hash file once a second
      const list = (token: string) =>
        fetch(`${url}/api/workspaces`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal((await list(admin)).status, 401);
      assert.equal((await list(fresh)).status, 200);
    } finally {
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    }
    assert.equal(existsSync(join(dir, 'server.json')), false, 'the endpoint file goes with the server');
    // Without a server, the same command reads the database itself.
    const ws = cli('workspace', 'list').stdout.split(/\s+/)[0]!;
    const shown = cli('skill', 'show', 'forecast', '--workspace', ws);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /== forecast · run [0-9a-f-]{36} · succeeded/);
  });
});
