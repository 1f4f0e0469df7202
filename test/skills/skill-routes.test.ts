import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { settleSkillRuns } from '../../src/skills/skill-dispatch.ts';
import { startFakeLlmServer, type FakeLlmServer } from '../fakes/fake-llm-server.ts';
import { AS_OF, type Fixture, seedFixture } from '../helpers/intelligence-fixture.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

let app: TestApp;
let f: Fixture;
let anthropic: FakeLlmServer;
let base: string;

describe('skill and compute routes', () => {
  before(async () => {
    anthropic = await startFakeLlmServer('anthropic');
    app = await startTestApp({ PANDORA_ANTHROPIC_BASE_URL: anthropic.url });
    f = await seedFixture(app.db);
    base = `/api/workspaces/${f.workspaceId}`;
  });
  after(async () => {
    await settleSkillRuns();
    await app.close();
    await anthropic.close();
  });

  test('POST /compute/run scores the workspace and is idempotent', async () => {
    const first = await app.request('POST', `${base}/compute/run`, { body: { as_of: AS_OF } });
    assert.equal(first.status, 200);
    assert.equal(first.body.deals_updated, 8);
    const second = await app.request('POST', `${base}/compute/run`, { body: { as_of: AS_OF } });
    assert.equal(second.body.deals_updated, 0);
    const bad = await app.request('POST', `${base}/compute/run`, { body: { as_of: 'yesterday' } });
    assert.equal(bad.status, 400);
  });

  test('GET /skills lists the five skills with their phases', async () => {
    const res = await app.request('GET', `${base}/skills`);
    assert.equal(res.status, 200);
    const byId = Object.fromEntries(res.body.data.map((s: any) => [s.id, s]));
    assert.deepEqual(Object.keys(byId).sort(), [
      'custom-field-discovery',
      'data-quality-audit',
      'forecast',
      'icp-discovery',
      'pipeline-hygiene',
    ]);
    assert.deepEqual(byId['data-quality-audit'].phases, ['compute', 'classify', 'synthesize']);
    assert.deepEqual(byId['custom-field-discovery'].phases, ['compute']);
    assert.deepEqual(byId['icp-discovery'].phases, ['compute', 'synthesize']);
  });

  test('POST /skills/:id/run answers 202 with a run id; the run finishes in the background', async () => {
    const res = await app.request('POST', `${base}/skills/pipeline-hygiene/run`, {
      body: { inputs: { as_of: AS_OF } },
    });
    assert.equal(res.status, 202);
    assert.equal(res.body.status, 'queued');
    await settleSkillRuns();
    const run = await app.request('GET', `${base}/skill-runs/${res.body.id}`);
    assert.equal(run.status, 200);
    assert.equal(run.body.status, 'succeeded');
    assert.equal(run.body.result.narrative.provider, 'offline');
    assert.ok(run.body.result.findings.length > 0);
    const list = await app.request('GET', `${base}/skill-runs?skill_id=pipeline-hygiene`);
    assert.equal(list.body.data[0].id, res.body.id);
    assert.equal(list.body.data[0].result, undefined);
  });

  test('bad inputs are 400, unknown skills 404, unknown runs 404', async () => {
    const bad = await app.request('POST', `${base}/skills/forecast/run`, {
      body: { inputs: { as_of: 'soon' } },
    });
    assert.equal(bad.status, 400);
    const unknown = await app.request('POST', `${base}/skills/nope/run`, { body: {} });
    assert.equal(unknown.status, 404);
    const missing = await app.request('GET', `${base}/skill-runs/00000000-0000-0000-0000-000000000000`);
    assert.equal(missing.status, 404);
  });

  test('a workspace key set through PUT /llm/config sends SYNTHESIZE to Anthropic; the ledger shows it', async () => {
    anthropic.answer = () =>
      JSON.stringify({
        headline: 'Pipeline needs work',
        summary: 'Bob has the most at risk.',
        actions: ['Update close dates'],
      });
    const put = await app.request('PUT', `${base}/llm/config`, {
      body: {
        keys: { anthropic_api_key: 'sk-ant-route-test-key-0001' },
        metadata: { daily_token_budget: 100_000 },
      },
    });
    assert.equal(put.status, 200);
    assert.ok(!JSON.stringify(put.body).includes('sk-ant-route-test-key-0001'));
    const res = await app.request('POST', `${base}/skills/pipeline-hygiene/run`, {
      body: { inputs: { as_of: AS_OF } },
    });
    await settleSkillRuns();
    const run = await app.request('GET', `${base}/skill-runs/${res.body.id}`);
    assert.equal(run.body.result.narrative.provider, 'anthropic');
    // The model's headline, with the material coverage gaps the runtime states whoever wrote it.
    assert.equal(
      run.body.result.narrative.headline,
      'Pipeline needs work · not counted: 1 without amount, 1 unlinked call',
    );
    assert.ok(run.body.tokens.synthesize.input > 0);
    // The synthesize input is the bounded digest, never raw rows: no source_data, no custom fields.
    const user = (anthropic.requests.at(-1)!.body.messages as Array<{ content: string }>)[0]!.content;
    assert.ok(!user.includes('source_data') && !user.includes('close_date_slip_count'));
    const usage = await app.request('GET', `${base}/llm/usage?days=1`);
    assert.ok(usage.body.data.some((u: any) => u.provider === 'anthropic' && u.tier === 'synthesize'));
  });
});
