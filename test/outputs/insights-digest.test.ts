import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { settleInsightRuns } from '../../src/insights/insight-runs.ts';
import { blockLimitProblems } from '../../src/outputs/slack/block-kit.ts';
import { formatInsightsDigest, type InsightsDigest } from '../../src/outputs/slack/insights-digest.ts';
import { settleWebhookDeliveries } from '../../src/outputs/webhooks/webhook-deliveries.ts';
import { type FakeServer, startFakeServer } from '../fakes/fake-server.ts';
import { type FakeSlack, startFakeSlack } from '../fakes/fake-slack.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { addCall, seedInsightWorld, transcriptOf } from '../insights/insight-seed.ts';

const TOKEN = 'xoxb-fake-slack-token-0001';

const PLATFORM_CALL = transcriptOf([
  ['b', 'We are also evaluating Clari for this.'],
  ['b', 'Our budget for this is 120k.'],
  ['b', 'Priya Raman, our CFO, will need to sign off on this.'],
  ['s', 'Next step: I will send over a pricing proposal by Friday.'],
]);
const RENEWAL_CALL = transcriptOf([
  ['b', 'Our main concern is the per seat pricing.'],
  ['b', 'The most important thing is SSO & <audit> logs.'],
  ['s', 'I will send the security review documents tomorrow.'],
]);
const FOLLOW_UP_CALL = transcriptOf([['b', 'We are looking at Gong as well.']]);

const text = (messages: unknown) => JSON.stringify(messages);

describe('deal-insights digest in Slack', () => {
  let app: TestApp;
  let slack: FakeSlack;
  let receiver: FakeServer;
  let w: Awaited<ReturnType<typeof seedInsightWorld>>;
  let base: string;

  before(async () => {
    slack = await startFakeSlack({ strictPace: true });
    receiver = await startFakeServer(() => ({ status: 204, text: '' }));
    // The fakes answer on loopback, which a server deployment refuses by default.
    app = await startTestApp({ PANDORA_SLACK_BASE_URL: slack.apiUrl, PANDORA_PRIVATE_UPSTREAMS: 'allow' });
    w = await seedInsightWorld(app.db);
    base = `/api/workspaces/${w.workspaceId}`;
    // A EUR workspace with a USD rate: the digest shows money in euros.
    const ctx = await app.request('PUT', `${base}/context`, {
      body: { business_model: { currency: 'EUR' } },
    });
    assert.ok(ctx.status < 300, JSON.stringify(ctx.body));
    const rates = await app.request('PUT', `${base}/exchange-rates`, {
      body: { rates: [{ currency: 'USD', effective_date: '2025-01-01', rate: 0.5 }] },
    });
    assert.ok(rates.status < 300, JSON.stringify(rates.body));
  });
  after(async () => {
    await settleInsightRuns();
    await settleWebhookDeliveries();
    await app.close();
    await slack.close();
    await receiver.close();
  });

  async function extract() {
    const started = await app.request('POST', `${base}/insights/extract`, { body: { scope: 'pending' } });
    assert.equal(started.status, 202);
    await settleInsightRuns();
    const run = await app.request('GET', `${base}/insights/runs/${started.body.id}`);
    assert.equal(run.body.status, 'succeeded', JSON.stringify(run.body));
    return run.body;
  }

  test('without Slack settings: extraction posts nothing, preview shows the digest, post is a 409', async () => {
    await addCall(app.db, w.workspaceId, {
      sourceId: 'platform-1',
      dealId: w.dealId,
      startedAt: '2025-05-10T15:00:00Z',
      transcript: PLATFORM_CALL,
    });
    const run = await extract();
    assert.ok(run.totals.insights_written > 0);
    assert.deepEqual(run.deliveries, {});
    assert.equal(slack.requests.length, 0);

    const preview = await app.request('POST', `${base}/insights/slack/preview`);
    assert.equal(preview.status, 200);
    const d = preview.body.digest;
    assert.equal(d.currency, 'EUR');
    assert.equal(d.total_insights, run.totals.insights_written);
    assert.equal(d.deals.length, 1);
    assert.equal(d.deals[0].name, 'Buyer Co platform');
    assert.equal(d.offline, true);
    assert.deepEqual(d.extractors, ['offline-rules@1']);
    const budget = d.deals[0].insights.find((i: { type: string }) => i.type === 'budget');
    assert.equal(budget.value.amount, 120000);
    assert.equal(budget.amount_base, 60000, 'USD 120k at 0.5 is EUR 60k');
    assert.equal(budget.conversation.started_at, '2025-05-10T15:00:00.000Z');

    const messages = preview.body.messages;
    for (const m of messages) assert.deepEqual(blockLimitProblems(m), []);
    assert.equal(messages[0].blocks[0].type, 'header');
    assert.match(messages[0].blocks[0].text.text, /1 deal/);
    const all = text(messages);
    assert.ok(all.includes('> Our budget for this is 120k.'), 'the quote, verbatim');
    assert.ok(all.includes('€60k'), 'the budget in the workspace currency');
    assert.ok(all.includes('€50k'), "the deal's amount in the workspace currency");
    assert.ok(all.includes('Bea Buyer (buyer)'), 'who said it');
    assert.match(all, /offline rules[^"]*no model ran/, 'says no model ran');
    assert.equal(slack.requests.length, 0, 'a preview posts nothing');

    const post = await app.request('POST', `${base}/insights/slack/post`, { body: {} });
    assert.equal(post.status, 409);
    assert.equal(post.body.error.code, 'conflict');
    assert.match(post.body.error.message, /Slack is not configured/);
  });

  test('bad bodies are 400s with the error shape', async () => {
    for (const body of [
      { since: 'last week' },
      { since: '2025-05-01' },
      { since: '2025-02-30T00:00:00Z' },
      { since: '0000-01-01T00:00:00Z' },
      { since: 12 },
      { until: '2025-05-01T00:00:00Z' },
    ]) {
      for (const route of ['preview', 'post']) {
        const res = await app.request('POST', `${base}/insights/slack/${route}`, { body });
        assert.equal(res.status, 400, `${route} ${JSON.stringify(body)}`);
        assert.equal(res.body.error.code, 'validation_error');
      }
    }
    const raw = await app.request('POST', `${base}/insights/slack/preview`, { raw: '{"since":' });
    assert.equal(raw.status, 400);
  });

  test("an extraction run posts the digest of what it wrote to the digest's channel and records it", async () => {
    const put = await app.request('PUT', `${base}/slack/settings`, {
      body: { bot_token: TOKEN, default_channel: 'general', channels: { 'deal-insights': 'C0SALES01' } },
    });
    assert.equal(put.status, 200);
    const endpoint = await app.request('POST', `${base}/webhook-endpoints`, {
      body: { url: `${receiver.url}/hooks`, events: ['insights.written'] },
    });
    assert.equal(endpoint.status, 201);

    await addCall(app.db, w.workspaceId, {
      sourceId: 'renewal-1',
      dealId: w.otherDealId,
      startedAt: '2025-05-12T15:00:00Z',
      transcript: RENEWAL_CALL,
    });
    const run = await extract();
    assert.equal(run.deliveries.slack.status, 'posted');
    assert.equal(run.deliveries.slack.channel, 'C0SALES01');
    const posted = slack.messages.filter((m) => m.ts === run.deliveries.slack.ts);
    assert.equal(posted.length, 1);
    const all = text(posted);
    assert.ok(all.includes('Buyer Co support renewal'));
    assert.ok(
      !all.includes('Buyer Co platform'),
      "only what this run wrote: the earlier call's deal is not in it",
    );
    assert.ok(all.includes('SSO &amp; &lt;audit&gt; logs'), 'quotes are escaped for mrkdwn');
    assert.ok(all.includes('per seat pricing'));

    await settleWebhookDeliveries();
    const events = receiver.requests.map((r) => r.body as any);
    assert.equal(events.length, 1);
    assert.equal(events[0].type, 'insights.written');
    assert.equal(events[0].data.run_id, run.id);
    assert.equal(events[0].data.insights_written, run.totals.insights_written);
    assert.equal(events[0].data.extractor, 'offline-rules@1');
  });

  test('an explicit post covers the period asked for, the deal with the newest insight first', async () => {
    const before = slack.messages.length;
    const res = await app.request('POST', `${base}/insights/slack/post`, {
      body: { since: '2020-01-01T00:00:00+02:00' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'posted');
    assert.equal(res.body.deals, 2);
    const posted = slack.messages.slice(before);
    assert.equal(posted[0]!.channel, 'C0SALES01');
    const all = text(posted);
    assert.ok(all.indexOf('Buyer Co support renewal') < all.indexOf('Buyer Co platform'));

    const future = await app.request('POST', `${base}/insights/slack/preview`, {
      body: { since: '2999-01-01T00:00:00Z' },
    });
    assert.equal(future.body.digest.total_insights, 0);
    assert.match(future.body.messages[0].blocks[0].text.text, /nothing new/);
  });

  test('turned off: extraction does not post, an explicit post still does; no channel is a 409', async () => {
    await app.request('PUT', `${base}/slack/settings`, { body: { skills: { 'deal-insights': false } } });
    await addCall(app.db, w.workspaceId, {
      sourceId: 'platform-2',
      dealId: w.dealId,
      startedAt: '2025-05-20T15:00:00Z',
      transcript: FOLLOW_UP_CALL,
    });
    const before = slack.messages.length;
    const run = await extract();
    assert.ok(run.totals.insights_written > 0);
    assert.deepEqual(run.deliveries, {});
    assert.equal(slack.messages.length, before);
    const explicit = await app.request('POST', `${base}/insights/slack/post`, { body: {} });
    assert.equal(explicit.body.status, 'posted');
    assert.ok(text(slack.messages.at(-1)).includes('We are looking at Gong as well.'));

    await app.request('PUT', `${base}/slack/settings`, {
      body: { default_channel: null, channels: { 'deal-insights': null } },
    });
    const nowhere = await app.request('POST', `${base}/insights/slack/post`, { body: {} });
    assert.equal(nowhere.status, 409);
    assert.match(nowhere.body.error.message, /no channel is set for deal-insights/);
  });

  test('a Slack error is recorded on the extraction run and never fails it', async () => {
    await app.request('PUT', `${base}/slack/settings`, {
      body: { skills: { 'deal-insights': true }, channels: { 'deal-insights': 'C0NOWHERE9' } },
    });
    await addCall(app.db, w.workspaceId, {
      sourceId: 'renewal-2',
      dealId: w.otherDealId,
      startedAt: '2025-05-21T15:00:00Z',
      transcript: transcriptOf([['b', 'Honestly, Clari sent us a proposal last week.']]),
    });
    const run = await extract();
    assert.equal(run.status, 'succeeded');
    assert.equal(run.deliveries.slack.status, 'failed');
    assert.match(run.deliveries.slack.reason, /channel_not_found/);

    // Webhook mode: one fixed channel, no channel setting needed.
    await app.request('PUT', `${base}/slack/settings`, { body: { webhook_url: slack.webhookUrl } });
    const viaWebhook = await app.request('POST', `${base}/insights/slack/post`, { body: {} });
    assert.equal(viaWebhook.body.status, 'posted');
    assert.equal(slack.messages.at(-1)!.via, 'webhook');
  });
});

describe('formatInsightsDigest', () => {
  function digest(deals: number, perDeal: number, quoteLength: number, extractor: string): InsightsDigest {
    return {
      since: '2025-05-01T00:00:00.000Z',
      as_of: '2025-05-08T00:00:00.000Z',
      currency: 'USD',
      total_insights: deals * perDeal,
      extractors: [`${extractor}@1`],
      offline: extractor === 'offline-rules',
      deals: Array.from({ length: deals }, (_, d) => ({
        deal_id: `d${d}`,
        name: `Deal ${d} ${'<&>'.repeat(60)}`,
        stage: 'evaluation',
        amount_base: 1000 * d,
        close_date: '2025-06-30',
        owner_email: 'rep@seller.io',
        insights: Array.from({ length: perDeal }, (_, i) => ({
          id: `i${d}-${i}`,
          type: 'objections' as const,
          value: { topic: 'pricing', text: 'x' },
          quote: `${'&<'.repeat(quoteLength / 2)}`,
          speaker: 'Bea Buyer',
          speaker_role: 'buyer',
          confidence: 0.8,
          extractor,
          extractor_version: '1',
          created_at: '2025-05-02T00:00:00.000Z',
          amount_base: null,
          conversation: { id: `c${d}`, title: `Call ${'>'.repeat(300)}`, started_at: null },
        })),
      })),
    };
  }

  test('every size stays within Block Kit limits; long digests continue in more messages', () => {
    for (const [deals, perDeal, quote] of [
      [0, 0, 0],
      [1, 1, 10],
      [3, 20, 2000],
      [45, 12, 2000],
      [200, 3, 50],
    ] as const) {
      const messages = formatInsightsDigest(digest(deals, perDeal, quote, 'offline-rules'), (id) =>
        id === 'd1' ? `https://pandora.example/api/deals/${id}|x>` : undefined,
      );
      for (const m of messages) assert.deepEqual(blockLimitProblems(m), [], `${deals}x${perDeal}x${quote}`);
      if (deals * perDeal > 30) assert.ok(messages.length > 1, 'continued');
    }
  });

  test('a model-extracted digest does not claim to be offline, an offline one says so', () => {
    const model = text(formatInsightsDigest(digest(1, 1, 10, 'model:anthropic/claude-haiku')));
    assert.ok(model.includes('model:anthropic/claude-haiku@1'));
    assert.ok(!model.includes('no model ran'));
    const offline = text(formatInsightsDigest(digest(1, 1, 10, 'offline-rules')));
    assert.ok(offline.includes('no model ran'));
  });
});
