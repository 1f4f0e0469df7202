import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { settleEnrichmentRuns } from '../../src/enrichment/enrichment-runs.ts';
import { type FakeLlmServer, startFakeLlmServer } from '../fakes/fake-llm-server.ts';
import { type FakeSerper, startFakeSerper } from '../fakes/fake-serper.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { type EnrichmentWorld, seedEnrichmentWorld } from './enrichment-seed.ts';

const SERPER_KEY = 'serper-test-key-2';

let app: TestApp;
let serper: FakeSerper;
let fireworks: FakeLlmServer;
let w: EnrichmentWorld;

describe('company signals: the classify tier decides, the offline rules stand in', () => {
  before(async () => {
    serper = await startFakeSerper(SERPER_KEY);
    serper.results.set('Acme Corp', {
      news: [
        // The rules read "launches" as a product launch; the model knows it is a partnership.
        { title: 'Acme Corp launches joint venture with Umbrella', link: 'https://news.test/acme-jv' },
        { title: 'Acme Corp quarterly update', link: 'https://news.test/acme-q' },
      ],
      search: [],
    });
    fireworks = await startFakeLlmServer('fireworks');
    fireworks.answer = (_system, user) => {
      const ids = [...user.matchAll(/"id":\s*"(\d+)"/g)].map((m) => m[1]);
      return JSON.stringify({
        labels: ids.map((id) => ({ id, category: id === '0' ? 'partnership' : 'other' })),
      });
    };
    app = await startTestApp({
      PANDORA_SERPER_BASE_URL: serper.url,
      FIREWORKS_API_KEY: 'fw_testkey0123456789abcdef',
      PANDORA_FIREWORKS_BASE_URL: fireworks.url,
      PANDORA_LLM_TIMEOUT_MS: '5000',
    });
    w = await seedEnrichmentWorld(app.db);
    const put = await app.request('PUT', `/api/workspaces/${w.workspaceId}/config/enrichment`, {
      body: { serper_api_key: SERPER_KEY, ttl_days: 0 },
    });
    assert.equal(put.status, 200);
  });
  after(async () => {
    await app.close();
    await serper.close();
    await fireworks.close();
  });

  const enrich = async () => {
    const r = await app.request('POST', `/api/workspaces/${w.workspaceId}/enrichment/deal/${w.wonDealId}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await settleEnrichmentRuns();
    const rows = await withWorkspace(app.db, w.workspaceId, (q) =>
      q.query<{ source_url: string; signal_type: string; classifier: string; confidence: number }>(
        'SELECT source_url, signal_type, classifier, confidence FROM account_signals ORDER BY source_url',
      ),
    );
    return { run: r.body, rows: rows.rows };
  };

  test('the model labels the signals and the record names it', async () => {
    const { run, rows } = await enrich();
    const signals = run.steps.find((s: { step: string }) => s.step === 'signals');
    assert.equal(signals.status, 'succeeded');
    assert.match(signals.summary.classifier, /^model:fireworks\//);
    assert.ok(fireworks.requests.length >= 1);
    assert.deepEqual(
      rows.map((r) => [r.source_url, r.signal_type]),
      [
        ['https://news.test/acme-jv', 'partnership'],
        ['https://news.test/acme-q', 'other'],
      ],
    );
    assert.ok(rows.every((r) => r.classifier.startsWith('model:fireworks/')));
    // Apollo has no key here: reported, not failed.
    assert.equal(run.steps.find((s: { step: string }) => s.step === 'apollo').status, 'not_configured');
  });

  test('a model that fails falls back to the offline rules, and the record says so', async () => {
    serper.results.set('Acme Corp', {
      news: [{ title: 'Acme Corp launches Acme Cloud', link: 'https://news.test/acme-cloud' }],
      search: [],
    });
    fireworks.script.push({ kind: 'status', status: 401, errorType: 'authentication_error' });
    const { run, rows } = await enrich();
    const signals = run.steps.find((s: { step: string }) => s.step === 'signals');
    assert.equal(signals.summary.classifier, 'offline_rules');
    const cloud = rows.find((r) => r.source_url === 'https://news.test/acme-cloud')!;
    assert.deepEqual([cloud.signal_type, cloud.classifier], ['product_launch', 'offline_rules']);
    assert.ok(Math.abs(cloud.confidence - 0.6) < 1e-6);
  });
});
