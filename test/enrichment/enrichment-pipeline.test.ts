import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { registerEnrichmentPostSyncStep } from '../../src/enrichment/enrichment-post-sync-step.ts';
import { registerEnrichmentWorker } from '../../src/enrichment/enrichment-runs.ts';
import { createInProcessQueue } from '../../src/jobs/in-process-queue.ts';
import { recordWrite, runPostSyncChain } from '../../src/sync/post-sync-chain.ts';
import { unregisterPostSyncStep } from '../../src/sync/post-sync-steps.ts';
import type { FakeApollo } from '../fakes/fake-apollo.ts';
import { type FakeSerper, maxRequestsPerSecond } from '../fakes/fake-serper.ts';
import type { TestApp } from '../helpers/test-app.ts';
import type { EnrichmentWorld } from './enrichment-seed.ts';
import {
  APOLLO_KEY,
  type EnrichmentFixture,
  SERPER_KEY,
  type Step,
  startEnrichmentFixture,
  stepOf,
} from './enrichment-fixture.ts';

let fx: EnrichmentFixture;
let app: TestApp;
let apollo: FakeApollo;
let serper: FakeSerper;
let w: EnrichmentWorld;
const path = (p: string) => fx.path(p);
const batch = (body: unknown) => fx.batch(body);
const committee = (dealId: string) => fx.committee(dealId);

describe('closed-deal enrichment over HTTP against the fakes', () => {
  before(async () => {
    fx = await startEnrichmentFixture();
    ({ app, apollo, serper, w } = fx);
  });
  after(async () => {
    unregisterPostSyncStep('deal-enrichment');
    await fx.close();
  });

  test('with no keys: roles resolve from each source, Apollo, Serper and LinkedIn say not configured', async () => {
    const r = await app.request('POST', path(`/enrichment/deal/${w.wonDealId}`));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'succeeded');
    assert.deepEqual(
      r.body.steps.map((s: Step) => [s.step, s.status]),
      [
        ['deal_context', 'succeeded'],
        ['roles', 'succeeded'],
        ['apollo', 'not_configured'],
        ['signals', 'not_configured'],
        ['linkedin', 'not_configured'],
        ['features', 'succeeded'],
      ],
    );
    const ctx = stepOf(r.body, 'deal_context').summary;
    assert.deepEqual([ctx.deals, ctx.won, ctx.contacts], [1, 1, 6]);
    assert.equal(apollo.requests.length + serper.requests.length, 0);

    const c = await committee(w.wonDealId);
    const byId = new Map(c.members.map((m) => [m.contact_id, m]));
    const role = (id: string) => {
      const m = byId.get(id)!;
      return [m.buying_role, m.buying_role_source, m.buying_role_confidence];
    };
    // The CRM role, corroborated by the call's stakeholder.
    assert.deepEqual(role(w.contacts.cfo), ['economic_buyer', 'crm_contact_role', 0.99]);
    assert.equal(byId.get(w.contacts.cfo)!.evidence[0].quote, 'Carla Finch, our CFO, signs off.');
    assert.deepEqual(role(w.contacts.champ), ['champion', 'deal_field', 0.85]);
    assert.deepEqual(role(w.contacts.eng), ['technical_evaluator', 'other_deals_at_account', 0.7]);
    assert.deepEqual(role(w.contacts.analyst), ['end_user', 'title_inference', 0.5]);
    assert.deepEqual(role(w.contacts.nomail), ['procurement', 'title_inference', 0.5]);
    assert.equal(byId.get(w.contacts.analyst)!.enrichment_status, 'not_configured');
    assert.equal(c.committee_size, 6);

    const status = await app.request('GET', path('/enrichment/status'));
    assert.equal(status.body.providers.apollo.configured, false);
    assert.deepEqual(status.body.deals, { closed: 2, enriched: 1, pending: 1 });
    assert.equal(status.body.last_run.id, r.body.id);
    const eb = status.body.coverage.roles.find((x: { role: string }) => x.role === 'economic_buyer');
    assert.deepEqual([eb.won_deals, eb.won_share], [1, 1]);
  });

  test('config: keys are write-only and stored encrypted; bad settings are 400', async () => {
    const put = await app.request('PUT', path('/config/enrichment'), {
      body: { apollo_api_key: APOLLO_KEY, serper_api_key: SERPER_KEY, ttl_days: 30 },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const get = await app.request('GET', path('/config/enrichment'));
    for (const body of [put.body, get.body]) {
      assert.equal(body.apollo.configured, true);
      assert.equal(body.serper.configured, true);
      assert.equal(body.ttl_days, 30);
      assert.ok(!JSON.stringify(body).includes(APOLLO_KEY) && !JSON.stringify(body).includes(SERPER_KEY));
    }
    const stored = await withWorkspace(app.db, w.workspaceId, (q) =>
      q.query<{ credentials: Buffer }>(
        `SELECT credentials FROM connections WHERE workspace_id = $1 AND connector_name = 'enrichment_config'`,
        [w.workspaceId],
      ),
    );
    assert.ok(!Buffer.from(stored.rows[0]!.credentials).toString('latin1').includes(APOLLO_KEY));
    for (const body of [{ apollo_api_key: 'short' }, { apollo_requests_per_second: 3 }, { surprise: 1 }]) {
      const r = await app.request('PUT', path('/config/enrichment'), { body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.code, 'validation_error');
    }
  });

  test('a batch enriches through 429 (Retry-After) and 5xx, classifies signals offline, dedups by URL', async () => {
    apollo.fault({ status: 429, headers: { 'retry-after': '1' }, body: '{"message":"too many"}' });
    apollo.fault({ status: 503, body: '<html>down</html>' });
    // Serper's 429 names no wait: the client's backoff decides.
    serper.fault({ status: 429, body: '{"message":"Too many requests","statusCode":429}' });
    serper.fault({ status: 502, body: 'bad gateway' });
    const run = await batch({ deal_ids: [w.wonDealId, w.lostDealId, w.openDealId] });
    assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
    assert.deepEqual([run.totals.deals, run.totals.skipped], [2, 1]);
    const ap = stepOf(run, 'apollo').summary;
    assert.deepEqual(
      [ap.contacts, ap.enriched, ap.email_locked, ap.no_match, ap.cached, ap.requests],
      [7, 5, 1, 1, 0, 1],
    );
    const sent = apollo.enrichmentRequests();
    assert.equal(sent.length, 3, 'the 429, the 503 and the answer');
    assert.ok(sent[1]!.receivedAt - sent[0]!.receivedAt >= 950, 'waited for Retry-After');

    const sig = stepOf(run, 'signals');
    assert.equal(sig.status, 'succeeded');
    assert.deepEqual([sig.summary.searched, sig.summary.signals_new, sig.summary.requests], [2, 4, 4]);
    assert.equal(sig.summary.classifier, 'offline_rules');
    assert.equal(serper.requests.length, 6, 'four searches, one 429 and one 502 retried');
    assert.ok(maxRequestsPerSecond(serper.requests.map((r) => r.receivedAt)) <= 5);
    const signals = await withWorkspace(app.db, w.workspaceId, (q) =>
      q.query<{
        account_id: string;
        signal_type: string;
        source_url: string;
        classifier: string;
        published_at: string | null;
      }>(
        `SELECT account_id, signal_type, source_url, classifier, published_at::text FROM account_signals ORDER BY source_url`,
      ),
    );
    assert.deepEqual(
      signals.rows.map((s) => [s.source_url, s.signal_type]),
      [
        ['https://news.test/acme-b', 'funding'],
        ['https://news.test/acme-hiring', 'hiring'],
        ['https://news.test/globex-cuts', 'layoffs'],
        ['https://web.test/acme-initech', 'acquisition'],
      ],
    );
    assert.equal(signals.rows[0]!.published_at, '2025-03-03');
    assert.ok(signals.rows.every((s) => s.classifier === 'offline_rules'));

    const c = await committee(w.wonDealId);
    const byId = new Map(c.members.map((m) => [m.contact_id, m]));
    const carla = byId.get(w.contacts.cfo)!;
    assert.deepEqual(
      [
        carla.enrichment_status,
        carla.seniority,
        carla.seniority_verified,
        carla.department,
        carla.department_verified,
        carla.tenure_months,
      ],
      ['enriched', 'c_level', true, 'finance', true, 65],
    );
    assert.equal(byId.get(w.contacts.nomail)!.enrichment_status, 'enriched', 'matched by name + domain');
    assert.equal(byId.get(w.contacts.locked)!.enrichment_status, 'email_locked');
    const eve = byId.get(w.contacts.eng)!;
    assert.deepEqual(
      [eve.enrichment_status, eve.seniority, eve.seniority_verified],
      ['no_match', 'manager', false],
    );
    const features = await withWorkspace(app.db, w.workspaceId, (q) =>
      q.query<{ outcome: string; features: Record<string, any> }>(
        `SELECT outcome, features FROM deal_enrichments WHERE deal_id = $1`,
        [w.wonDealId],
      ),
    );
    assert.equal(
      features.rows[0]!.features.signals_before_close,
      1,
      'the March funding round, before the June close',
    );
    assert.equal(features.rows[0]!.features.committee_size, 6);
    assert.deepEqual(
      [
        features.rows[0]!.features.amount_base,
        features.rows[0]!.features.base_currency,
        features.rows[0]!.features.cycle_days,
      ],
      [60000, 'USD', 120],
    );
  });

  test('a re-run within the TTL calls Apollo and Serper 0 times', async () => {
    const apolloBefore = apollo.requests.length;
    const serperBefore = serper.requests.length;
    const run = await batch({ deal_ids: [w.wonDealId, w.lostDealId] });
    assert.equal(run.status, 'succeeded');
    assert.equal(apollo.requests.length - apolloBefore, 0);
    assert.equal(serper.requests.length - serperBefore, 0);
    assert.deepEqual([stepOf(run, 'apollo').summary.cached, stepOf(run, 'signals').summary.cached], [7, 2]);
    const c = await committee(w.wonDealId);
    assert.equal(c.members.find((m) => m.contact_id === w.contacts.cfo)!.tenure_months, 65);
  });

  test('a write that closes a deal enriches it in the post-sync chain, once per close', async () => {
    registerEnrichmentPostSyncStep(app.deps);
    const chain = async () => {
      const syncLogId = await withWorkspace(app.db, w.workspaceId, (tx) =>
        recordWrite(tx, w.workspaceId, {
          connectorName: 'csv_import',
          trigger: 'manual',
          counts: { deals: { updated: 1 } },
        }),
      );
      const results = await runPostSyncChain({
        db: app.db,
        log: app.deps.log,
        workspaceId: w.workspaceId,
        syncLogId,
      });
      return results.find((r) => r.name === 'deal-enrichment')!;
    };
    await withWorkspace(app.db, w.workspaceId, async (q) => {
      await q.query(
        `UPDATE deals SET stage_normalized = 'closed_lost', is_closed = true, closed_at = now() WHERE id = $1`,
        [w.openDealId],
      );
      // A deal that closed years ago (history a first sync brings in) waits for an explicit batch.
      await q.query(
        `UPDATE deals SET stage_normalized = 'closed_lost', is_closed = true, close_date = '2021-03-31',
                closed_at = '2021-03-31' WHERE id = $1`,
        [w.priorDealId],
      );
    });
    const first = await chain();
    assert.equal(first.status, 'succeeded', JSON.stringify(first));
    assert.equal(first.summary!.deals, 1, 'only the deal that closed lately');
    assert.equal(first.summary!.status, 'succeeded');
    const run = await app.request('GET', path(`/enrichment/runs/${first.summary!.run_id}`));
    assert.equal(run.body.trigger, 'post_sync');
    assert.equal(stepOf(run.body, 'apollo').summary.cached, 1, 'Carla was enriched within the TTL');
    const c = await committee(w.openDealId);
    assert.equal(c.members[0]!.buying_role, 'economic_buyer');
    const second = await chain();
    assert.equal(second.summary!.deals, 0);

    // With a queue the chain only queues the run: a worker runs it, so the rate limits never hold the chain.
    const queue = createInProcessQueue(app.deps.log);
    await registerEnrichmentWorker(queue, app.deps);
    await queue.start();
    try {
      registerEnrichmentPostSyncStep({ ...app.deps, queue });
      await withWorkspace(app.db, w.workspaceId, (q) =>
        q.query(`UPDATE deals SET stage_normalized = 'closed_won', is_won = true WHERE id = $1`, [
          w.openDealId,
        ]),
      );
      const queued = await chain();
      assert.deepEqual([queued.summary!.deals, queued.summary!.status], [1, 'queued']);
      let run = await app.request('GET', path(`/enrichment/runs/${queued.summary!.run_id}`));
      for (let i = 0; i < 100 && ['queued', 'running'].includes(run.body.status); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        run = await app.request('GET', path(`/enrichment/runs/${queued.summary!.run_id}`));
      }
      assert.equal(run.body.status, 'succeeded');
      const outcome = await withWorkspace(app.db, w.workspaceId, (q) =>
        q.query<{ outcome: string }>('SELECT outcome FROM deal_enrichments WHERE deal_id = $1', [
          w.openDealId,
        ]),
      );
      assert.equal(outcome.rows[0]!.outcome, 'won', 'closed the other way: enriched again');
    } finally {
      registerEnrichmentPostSyncStep(app.deps);
      await queue.stop();
    }
  });

  test('malformed Apollo and Serper bodies fail their steps; the other steps still run', async () => {
    await app.request('PUT', path('/config/enrichment'), { body: { ttl_days: 0 } });
    apollo.fault({ status: 200, body: '{"matches": "no"}' });
    serper.fault({ status: 200, body: 'not json' });
    const run = await batch({ deal_ids: [w.wonDealId, w.lostDealId] });
    assert.equal(run.status, 'failed');
    assert.match(run.error, /apollo: .*unexpected shape/);
    assert.match(run.error, /signals: /);
    assert.deepEqual(
      run.steps.map((s: Step) => [s.step, s.status]),
      [
        ['deal_context', 'succeeded'],
        ['roles', 'succeeded'],
        ['apollo', 'failed'],
        ['signals', 'failed'],
        ['linkedin', 'not_configured'],
        ['features', 'succeeded'],
      ],
    );
    assert.equal(stepOf(run, 'apollo').summary.failed, 7);
    assert.equal(stepOf(run, 'signals').summary.searched, 1, 'the second account was still searched');
    const c = await committee(w.wonDealId);
    const carla = c.members.find((m) => m.contact_id === w.contacts.cfo)!;
    // Marked failed for the next run, while what Apollo said before stays.
    assert.deepEqual([carla.enrichment_status, carla.seniority_verified], ['failed', false]);

    // A revoked Apollo key and a spent Serper balance: each step stops at the first answer, says why.
    apollo.expiredKeys.add(APOLLO_KEY);
    serper.credits.left = 0;
    const apolloBefore = apollo.enrichmentRequests().length;
    const serperBefore = serper.requests.length;
    const stopped = await batch({ deal_ids: [w.wonDealId, w.lostDealId] });
    apollo.expiredKeys.clear();
    serper.credits.left = 1_000_000;
    assert.equal(stopped.status, 'failed');
    assert.equal(stepOf(stopped, 'apollo').error, 'Apollo rejected the API key');
    assert.equal(apollo.enrichmentRequests().length - apolloBefore, 1, 'a 401 is not retried');
    assert.deepEqual(
      [stepOf(stopped, 'signals').summary.failed, stepOf(stopped, 'signals').summary.searched],
      [1, 0],
    );
    assert.equal(serper.requests.length - serperBefore, 1, 'no credits: the other account is not asked');
    assert.equal(stepOf(stopped, 'features').status, 'succeeded');
    await app.request('PUT', path('/config/enrichment'), { body: { ttl_days: 30 } });
  });
});
