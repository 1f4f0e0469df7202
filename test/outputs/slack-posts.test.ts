import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { settleSkillRuns } from '../../src/skills/skill-dispatch.ts';
import { type FakeSlack, startFakeSlack } from '../fakes/fake-slack.ts';
import { AS_OF, type Fixture, seedFixture } from '../helpers/intelligence-fixture.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const TOKEN = 'xoxb-fake-slack-token-0001';

describe('Slack: settings, automatic posts, preview, failures', () => {
  let app: TestApp;
  let slack: FakeSlack;
  let f: Fixture;
  let base: string;

  before(async () => {
    slack = await startFakeSlack({ strictPace: true });
    // The fake answers on loopback, which a server deployment refuses by default.
    app = await startTestApp({ PANDORA_SLACK_BASE_URL: slack.apiUrl, PANDORA_PRIVATE_UPSTREAMS: 'allow' });
    f = await seedFixture(app.db);
    base = `/api/workspaces/${f.workspaceId}`;
  });
  after(async () => {
    await settleSkillRuns();
    await app.close();
    await slack.close();
  });

  async function runSkill(skill: string) {
    // custom-field-discovery reads the whole history and takes no as_of.
    const inputs = skill === 'custom-field-discovery' ? {} : { as_of: AS_OF };
    const res = await app.request('POST', `${base}/skills/${skill}/run`, { body: { inputs } });
    assert.equal(res.status, 202);
    await settleSkillRuns();
    return (await app.request('GET', `${base}/skill-runs/${res.body.id}`)).body;
  }

  test('without settings nothing is posted and the run records no delivery', async () => {
    const run = await runSkill('forecast');
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(run.deliveries, {});
    assert.equal(slack.messages.length, 0);
    assert.equal((await app.request('GET', `${base}/slack/settings`)).status, 404);
  });

  test('settings: the token is write-only, channels merge, bad values are 400s', async () => {
    const bad = await app.request('PUT', `${base}/slack/settings`, { body: { bot_token: 'not-a-token' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'validation_error');
    const none = await app.request('PUT', `${base}/slack/settings`, { body: { default_channel: 'general' } });
    assert.equal(none.status, 400);
    const both = await app.request('PUT', `${base}/slack/settings`, {
      body: { bot_token: TOKEN, webhook_url: slack.webhookUrl },
    });
    assert.equal(both.status, 400);

    const put = await app.request('PUT', `${base}/slack/settings`, {
      body: { bot_token: TOKEN, default_channel: 'C0SALES01', channels: { forecast: 'C0FORECAST' } },
    });
    assert.equal(put.status, 200);
    assert.equal(put.body.mode, 'bot');
    const more = await app.request('PUT', `${base}/slack/settings`, {
      body: { channels: { 'data-quality-audit': '#general' }, skills: { 'custom-field-discovery': false } },
    });
    assert.deepEqual(more.body.channels, { forecast: 'C0FORECAST', 'data-quality-audit': '#general' });
    const got = await app.request('GET', `${base}/slack/settings`);
    assert.equal(got.status, 200);
    assert.ok(!JSON.stringify(got.body).includes(TOKEN), 'the token never comes back');
    const stored = await app.db.query<{ credentials: Buffer }>('SELECT credentials FROM slack_settings');
    assert.ok(
      !Buffer.from(stored.rows[0]!.credentials).toString('latin1').includes(TOKEN),
      'stored encrypted',
    );
  });

  test("a finished run posts to its skill's channel and records the message; long results continue in the thread", async () => {
    const before = slack.messages.length;
    const run = await runSkill('forecast');
    assert.equal(run.status, 'succeeded');
    assert.equal(run.deliveries.slack.status, 'posted');
    assert.equal(run.deliveries.slack.channel, 'C0FORECAST');
    const posted = slack.messages.slice(before);
    assert.ok(posted.length >= 1);
    assert.equal(posted[0]!.ts, run.deliveries.slack.ts);
    assert.equal(posted[0]!.blocks[0].type, 'header');
    for (const m of posted.slice(1)) assert.equal(m.thread_ts, posted[0]!.ts);
    assert.equal(run.deliveries.slack.messages, posted.length);

    const hygiene = await runSkill('pipeline-hygiene');
    assert.equal(hygiene.deliveries.slack.channel, 'C0SALES01', 'the default channel');
    const text = JSON.stringify(slack.messages.at(-1));
    assert.match(text, /offline/, 'the post says the offline provider wrote it');
  });

  test('a skill turned off is not posted; an explicit post still can be', async () => {
    const before = slack.messages.length;
    const run = await runSkill('custom-field-discovery');
    assert.deepEqual(run.deliveries, {});
    assert.equal(slack.messages.length, before);
    const posted = await app.request('POST', `${base}/skill-runs/${run.id}/slack/post`);
    assert.equal(posted.status, 200);
    assert.equal(posted.body.status, 'posted');
  });

  test('preview returns the blocks and posts nothing', async () => {
    const run = await runSkill('data-quality-audit');
    const before = slack.requests.length;
    const preview = await app.request('POST', `${base}/skill-runs/${run.id}/slack/preview`);
    assert.equal(preview.status, 200);
    assert.ok(preview.body.messages[0].blocks.length > 0);
    assert.equal(slack.requests.length, before);
    const missing = await app.request(
      'POST',
      `${base}/skill-runs/00000000-0000-4000-8000-000000000000/slack/preview`,
    );
    assert.equal(missing.status, 404);
  });

  test('posts to one channel are paced: back-to-back runs are never rate-limited', async () => {
    const paced = slack.paced;
    await Promise.all([runSkill('forecast'), runSkill('forecast')]);
    assert.equal(slack.paced, paced, 'no 429 from the per-channel pace');
  });

  test('a 429 with Retry-After is waited out', async () => {
    slack.fault({
      match: (r) => r.path.endsWith('chat.postMessage'),
      status: 429,
      headers: { 'retry-after': '1' },
      body: '{"ok":false,"error":"ratelimited"}',
    });
    const run = await runSkill('forecast');
    assert.equal(run.deliveries.slack.status, 'posted');
  });

  test('Slack errors are recorded on the run in plain words and never fail it', async () => {
    await app.request('PUT', `${base}/slack/settings`, { body: { channels: { forecast: 'C0NOWHERE9' } } });
    const missing = await runSkill('forecast');
    assert.equal(missing.status, 'succeeded');
    assert.equal(missing.deliveries.slack.status, 'failed');
    assert.match(missing.deliveries.slack.reason, /channel_not_found/);

    await app.request('PUT', `${base}/slack/settings`, { body: { channels: { forecast: 'C0PRIVATE1' } } });
    const outside = await runSkill('forecast');
    assert.match(outside.deliveries.slack.reason, /not_in_channel.*invite/);

    await app.request('PUT', `${base}/slack/settings`, { body: { bot_token: 'xoxb-revoked-token-99999' } });
    const badAuth = await runSkill('forecast');
    assert.match(badAuth.deliveries.slack.reason, /invalid_auth/);
    assert.ok(!badAuth.deliveries.slack.reason.includes('xoxb-'), 'the token is not in the reason');
  });

  test('webhook mode posts to the incoming-webhook URL; a removed webhook is a clear failure', async () => {
    await app.request('PUT', `${base}/slack/settings`, { body: { webhook_url: slack.webhookUrl } });
    const ok = await runSkill('pipeline-hygiene');
    assert.equal(ok.deliveries.slack.status, 'posted');
    assert.equal(slack.messages.at(-1)!.via, 'webhook');
    await app.request('PUT', `${base}/slack/settings`, {
      body: { webhook_url: `${slack.url}/services/T000/B000/gone` },
    });
    const gone = await runSkill('pipeline-hygiene');
    assert.match(gone.deliveries.slack.reason, /no_service/);
    const view = await app.request('GET', `${base}/slack/settings`);
    assert.equal(view.body.mode, 'webhook');
    assert.ok(!JSON.stringify(view.body).includes('/services/'), 'the webhook URL is write-only');
    assert.equal((await app.request('DELETE', `${base}/slack/settings`)).status, 204);
    assert.equal((await app.request('DELETE', `${base}/slack/settings`)).status, 404);
  });
});
