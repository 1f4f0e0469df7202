import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

/** Starts `pandora start` and resolves with its output once the demo report is printed. */
function startUntilReport(dir: string): Promise<{ output: string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, ['bin/pandora.js', 'start'], {
    env: {
      ...process.env,
      PANDORA_DATA_DIR: dir,
      DATABASE_URL: '',
      PORT: '0',
      PANDORA_DEMO_DEALS: '150',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = () =>
    new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Full reports:')) resolve({ output, stop });
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.once('exit', (code) => reject(new Error(`pandora start exited ${code}:\n${output}`)));
  });
}

test('npm start: migrates, builds the demo once, runs the skills, serves the API and says where to look', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pandora-start-'));
  try {
    const first = await startUntilReport(dir);
    const url = first.output.match(/listening on (http:\/\/\S+)/)![1]!;
    const key = first.output.match(/Demo API key[^:]*: (pdr_\S+)/)![1]!;
    const ws = first.output.match(/Demo workspace: .* \(([0-9a-f-]{36})\), created now/)![1]!;
    assert.match(first.output, /Admin token \(shown once, keep it\): pdr_admin_/);
    for (const skill of ['pipeline-hygiene', 'forecast', 'data-quality-audit', 'custom-field-discovery']) {
      assert.match(first.output, new RegExp(`${skill}\\s+succeeded`), skill);
    }
    assert.match(first.output, /written by offline\//, 'the offline provider says it wrote the narrative');
    // The demo's calls carry transcripts: insights are extracted offline, and no extraction fails.
    assert.match(
      first.output,
      /Deal insights: [1-9]\d* from [1-9]\d* call transcripts on [1-9]\d* deals \(offline-rules@1\)/,
    );
    assert.doesNotMatch(first.output, /insight extraction failed/);
    const insightsUrl = first.output.match(/(http:\S+\/deals\/[0-9a-f-]{36}\/insights)/)![1]!;
    const insights = await fetch(insightsUrl, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(insights.status, 200);
    assert.ok(((await insights.json()) as { count: number }).count > 0, 'the example deal has insights');

    const summary = await fetch(`${url}/api/workspaces/${ws}/pipeline/summary`, {
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(summary.status, 200);
    const runs = (await (
      await fetch(`${url}/api/workspaces/${ws}/skill-runs`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as {
      data: unknown[];
    };
    assert.ok(runs.data.length >= 4);

    // A run started over the API goes through the server's job queue and its skill-run worker.
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const started = await fetch(`${url}/api/workspaces/${ws}/skills/forecast/run`, {
      method: 'POST',
      headers: auth,
      body: '{}',
    });
    assert.equal(started.status, 202);
    const { id } = (await started.json()) as { id: string };
    let status = 'queued';
    for (let i = 0; i < 120 && (status === 'queued' || status === 'running'); i++) {
      await new Promise((r) => setTimeout(r, 250));
      const run = await fetch(`${url}/api/workspaces/${ws}/skill-runs/${id}`, { headers: auth });
      status = ((await run.json()) as { status: string }).status;
    }
    assert.equal(status, 'succeeded');
    assert.equal(await first.stop(), 0, 'SIGTERM shuts down cleanly');

    // The second start reuses the world: no second admin token, no new workspace, a new key.
    const second = await startUntilReport(dir);
    assert.doesNotMatch(second.output, /Admin token/);
    assert.doesNotMatch(second.output, /created now/);
    assert.match(second.output, new RegExp(`\\(${ws}\\)`));
    const newKey = second.output.match(/Demo API key[^:]*: (pdr_\S+)/)![1]!;
    assert.notEqual(newKey, key);
    const url2 = second.output.match(/listening on (http:\/\/\S+)/)![1]!;
    const old = await fetch(`${url2}/api/workspaces/${ws}`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(old.status, 401, 'the previous demo key is revoked');
    // A restart reports the latest runs with their results, not just their status.
    for (const skill of ['pipeline-hygiene', 'forecast', 'data-quality-audit', 'custom-field-discovery']) {
      assert.match(second.output, new RegExp(`${skill}\\s+succeeded · \\d+ findings`), skill);
    }
    assert.match(second.output, /written by offline\//, 'headlines on a restart too');
    assert.equal(await second.stop(), 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
