import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import type { FakeApollo } from '../fakes/fake-apollo.ts';
import { maxRequestsPerSecond } from '../fakes/fake-serper.ts';
import type { TestApp } from '../helpers/test-app.ts';
import type { EnrichmentWorld } from './enrichment-seed.ts';
import { APOLLO_KEY, type EnrichmentFixture, startEnrichmentFixture, stepOf } from './enrichment-fixture.ts';

let fx: EnrichmentFixture;
let app: TestApp;
let apollo: FakeApollo;
let w: EnrichmentWorld;
const path = (p: string) => fx.path(p);
const batch = (body: unknown) => fx.batch(body);

describe('enrichment limits and bad input', () => {
  before(async () => {
    fx = await startEnrichmentFixture();
    ({ app, apollo, w } = fx);
    const put = await fx.app.request('PUT', fx.path('/config/enrichment'), {
      body: { apollo_api_key: APOLLO_KEY },
    });
    assert.equal(put.status, 200);
  });
  after(() => fx.close());

  test('Apollo requests stay within 2 per second across bulk batches', async () => {
    const ids = await withWorkspace(app.db, w.workspaceId, async (q) => {
      const acc = await q.query<{ id: string }>(
        `INSERT INTO accounts (workspace_id, source, source_id, name, domain) VALUES ($1, 'test', 'big', 'Initrode', 'initrode.test') RETURNING id`,
        [w.workspaceId],
      );
      const deal = await q.query<{ id: string }>(
        `INSERT INTO deals (workspace_id, source, source_id, name, account_id, stage_normalized, is_closed, is_won, close_date)
         VALUES ($1, 'test', 'big', 'Initrode', $2, 'closed_won', true, true, '2025-07-01') RETURNING id`,
        [w.workspaceId, acc.rows[0]!.id],
      );
      await q.query(
        `WITH c AS (INSERT INTO contacts (workspace_id, source, source_id, first_name, last_name, email, account_id)
           SELECT $1, 'test', 'big' || i, 'P', 'N' || i, 'p.n' || i || '@initrode.test', $2 FROM generate_series(1, 25) i
           RETURNING id)
         INSERT INTO deal_contacts (workspace_id, deal_id, contact_id, source) SELECT $1, $3, id, 'test' FROM c`,
        [w.workspaceId, acc.rows[0]!.id, deal.rows[0]!.id],
      );
      return deal.rows[0]!.id;
    });
    const before = apollo.enrichmentRequests().length;
    const run = await batch({ deal_ids: [ids] });
    assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
    const sent = apollo.enrichmentRequests().slice(before);
    assert.equal(sent.length, 3, 'three bulk requests of at most ten');
    assert.equal(stepOf(run, 'apollo').summary.no_match, 25);
    // Booked 500 ms apart; the window allows for the first request to a fresh fake also opening the
    // connection (it arrives late). Unthrottled, all three would land within a few milliseconds.
    const arrivals = sent.map((r) => r.receivedAt);
    assert.ok(
      maxRequestsPerSecond(arrivals, 900) <= 2,
      JSON.stringify(arrivals.map((t) => t - arrivals[0]!)),
    );
    assert.ok(arrivals[2]! - arrivals[1]! >= 450, 'the later requests are spaced by the budget');
  });

  test('bad input is a 4xx with the error shape', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const cases: Array<[string, string, unknown, number]> = [
      ['POST', '/enrichment/deal/not-a-uuid', undefined, 400],
      ['POST', `/enrichment/deal/${missing}`, undefined, 404],
      ['POST', `/enrichment/deal/${w.priorDealId}`, undefined, 409],
      ['POST', `/enrichment/deal/${w.wonDealId}`, { force: true }, 400],
      ['POST', '/enrichment/batch', { deal_ids: [] }, 400],
      ['POST', '/enrichment/batch', { deal_ids: ['x'] }, 400],
      ['GET', `/enrichment/runs/${missing}`, undefined, 404],
      ['GET', '/deals/nope/buying-committee', undefined, 400],
      ['GET', `/deals/${missing}/buying-committee`, undefined, 404],
    ];
    for (const [method, p, body, status] of cases) {
      const r = await app.request(method, path(p), { body });
      assert.equal(r.status, status, `${method} ${p}: ${JSON.stringify(r.body)}`);
      assert.ok(r.body.error?.code, `${method} ${p} has an error code`);
    }
  });
});
