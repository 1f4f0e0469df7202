import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { settleInsightRuns } from '../../src/insights/insight-runs.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { addCall, seedInsightWorld, transcriptOf } from './insight-seed.ts';

const CALL = transcriptOf([
  ['b', 'We are also evaluating Clari for this.'],
  ['b', 'Our budget for this is 120k.'],
  ['b', 'Priya Raman, our CFO, will need to sign off on this.'],
  ['b', 'We need this live by the end of next quarter.'],
  ['s', 'Next step: I will send over a pricing proposal by Friday.'],
]);

let app: TestApp;

describe('insights API', () => {
  before(async () => {
    app = await startTestApp();
  });
  after(async () => app.close());

  test('extract (202 + run), status, deal insights with the framework view, history, deal detail', async () => {
    const w = await seedInsightWorld(app.db);
    const ws = w.workspaceId;
    await addCall(app.db, ws, {
      sourceId: 'api1',
      dealId: w.dealId,
      startedAt: '2025-05-10T15:00:00Z',
      transcript: CALL,
    });
    const before = await app.request('GET', `/api/workspaces/${ws}/insights/status`);
    assert.equal(before.status, 200);
    assert.equal(before.body.conversations.pending, 1);
    assert.equal(before.body.extractor, 'offline-rules@1');

    const started = await app.request('POST', `/api/workspaces/${ws}/insights/extract`, {
      body: { scope: 'pending' },
    });
    assert.equal(started.status, 202);
    assert.ok(['queued', 'running', 'succeeded'].includes(started.body.status));
    await settleInsightRuns();
    const run = await app.request('GET', `/api/workspaces/${ws}/insights/runs/${started.body.id}`);
    assert.equal(run.body.status, 'succeeded');
    assert.equal(run.body.totals.extracted, 1);

    const status = await app.request('GET', `/api/workspaces/${ws}/insights/status`);
    assert.equal(status.body.conversations.pending, 0);
    assert.equal(status.body.conversations.extracted, 1);
    assert.equal(status.body.insights.current, 5);
    assert.equal(status.body.last_run.id, started.body.id);

    // No methodology yet: no framework view.
    let deal = await app.request('GET', `/api/workspaces/${ws}/deals/${w.dealId}/insights`);
    assert.equal(deal.status, 200);
    assert.equal(deal.body.by_type.competitors[0].value.name, 'Clari');
    assert.deepEqual(deal.body.by_type.objections, []);
    assert.equal(deal.body.framework, null);

    const put = await app.request('PUT', `/api/workspaces/${ws}/context`, {
      body: { definitions: { sales_methodology: 'bant' } },
    });
    assert.ok(put.status < 300, JSON.stringify(put.body));
    deal = await app.request('GET', `/api/workspaces/${ws}/deals/${w.dealId}/insights`);
    assert.equal(deal.body.framework.methodology, 'bant');
    assert.equal(deal.body.framework.decided_by, 'context_layer');
    assert.deepEqual(deal.body.framework.evidenced, ['budget', 'authority', 'timeline']);
    assert.deepEqual(deal.body.framework.missing, ['need']);
    const authority = deal.body.framework.fields.find((f: { field: string }) => f.field === 'authority');
    assert.equal(authority.evidence[0].quote, 'Priya Raman, our CFO, will need to sign off on this.');

    const history = await app.request(
      'GET',
      `/api/workspaces/${ws}/deals/${w.dealId}/insights/history?type=budget`,
    );
    assert.equal(history.body.data.length, 1);
    const detail = await app.request('GET', `/api/workspaces/${ws}/deals/${w.dealId}`);
    assert.equal(detail.body.insights.length, 5);
  });

  test('bad input is a 4xx with nothing started', async () => {
    const w = await seedInsightWorld(app.db);
    const ws = w.workspaceId;
    const cases: Array<[string, string, unknown, number]> = [
      ['POST', '/insights/extract', { scope: 'deal' }, 400],
      ['POST', '/insights/extract', { scope: 'pending', deal_id: w.dealId }, 400],
      ['POST', '/insights/extract', { scope: 'everything' }, 400],
      ['POST', '/insights/extract', { scope: 'deal', deal_id: '00000000-0000-4000-8000-000000000000' }, 404],
      ['GET', `/deals/not-a-uuid/insights`, undefined, 400],
      ['GET', `/deals/00000000-0000-4000-8000-000000000000/insights`, undefined, 404],
      ['GET', `/deals/${w.dealId}/insights/history?type=gossip`, undefined, 400],
    ];
    for (const [method, path, body, status] of cases) {
      const r = await app.request(method, `/api/workspaces/${ws}${path}`, { body });
      assert.equal(r.status, status, `${method} ${path}`);
      assert.ok(r.body.error?.code, `${method} ${path} has an error code`);
    }
    const s = await app.request('GET', `/api/workspaces/${ws}/insights/status`);
    assert.equal(s.body.last_run, null);
  });
});
