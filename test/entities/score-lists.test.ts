import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runComputedFields } from '../../src/compute/compute-engine.ts';
import { AS_OF, type Fixture, seedFixture } from '../helpers/intelligence-fixture.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

describe('scores in the entity API', () => {
  let app: TestApp;
  let f: Fixture;
  const get = (path: string) => app.request('GET', `/api/workspaces/${f.workspaceId}${path}`);

  async function walk(path: string, limit: number) {
    const out: Array<Record<string, any>> = [];
    let cursor: string | null = null;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const res = await get(
        `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      out.push(...res.body.data);
      cursor = res.body.next_cursor;
    } while (cursor);
    return out;
  }

  before(async () => {
    app = await startTestApp();
    f = await seedFixture(app.db);
    await runComputedFields(app.db, f.workspaceId, { asOf: AS_OF });
  });
  after(() => app.close());

  test('every deal in a list carries its scores: risk and velocity on open deals, null on closed ones', async () => {
    const deals = await walk('/deals', 50);
    assert.equal(deals.length, 8);
    for (const d of deals) {
      assert.ok('deal_risk' in d && 'velocity_score' in d && 'engagement_score' in d, JSON.stringify(d));
      assert.equal(typeof d.engagement_score, 'number');
      if (d.is_closed) {
        assert.equal(d.deal_risk, null);
        assert.equal(d.velocity_score, null);
      } else {
        assert.equal(typeof d.deal_risk, 'number');
        assert.equal(typeof d.velocity_score, 'number');
      }
      assert.ok(!('deal_risk_reasons' in d), 'reasons are for the detail');
    }
  });

  test('sort=-deal_risk starts with the riskiest deal and puts unscored deals last, across pages', async () => {
    const { rows } = await app.db.query<{ id: string }>(
      `SELECT id FROM deals WHERE workspace_id = $1::uuid ORDER BY deal_risk DESC NULLS LAST, id DESC`,
      [f.workspaceId],
    );
    for (const limit of [1, 2, 3, 50]) {
      const got = await walk('/deals?sort=-deal_risk', limit);
      assert.deepEqual(
        got.map((d) => d.id),
        rows.map((r) => r.id),
        `limit ${limit}`,
      );
    }
    const first = await walk('/deals?sort=-deal_risk', 50);
    assert.equal(first[0]!.id, f.ids['deal:risky']);
    assert.ok(first.slice(-5).every((d) => d.deal_risk === null));
    const ascending = await walk('/deals?sort=deal_risk', 2);
    assert.ok(
      ascending.slice(-5).every((d) => d.deal_risk === null),
      'unscored last ascending too',
    );
    assert.ok(ascending[0]!.deal_risk <= ascending[1]!.deal_risk);
  });

  test('numeric scores sort through their keys and come back as numbers', async () => {
    for (const sort of ['-velocity_score', 'velocity_score', '-engagement_score', 'engagement_score']) {
      const got = await walk(`/deals?sort=${sort}`, 3);
      const field = sort.replace('-', '');
      const scored = got.filter((d) => d[field] !== null).map((d) => d[field] as number);
      const sorted = [...scored].sort((a, b) => (sort.startsWith('-') ? b - a : a - b));
      assert.deepEqual(scored, sorted, sort);
      assert.ok(
        got.slice(scored.length).every((d) => d[field] === null),
        `${sort}: unscored last`,
      );
    }
  });

  test('score range filters: deal_risk_min/max, velocity and engagement bounds with decimals', async () => {
    const all = await walk('/deals', 50);
    const risky = all.find((d) => d.id === f.ids['deal:risky'])!;
    const high = await walk(`/deals?deal_risk_min=${risky.deal_risk}`, 50);
    assert.ok(high.some((d) => d.id === risky.id));
    assert.ok(high.every((d) => d.deal_risk >= risky.deal_risk));
    const low = await walk(`/deals?deal_risk_max=${risky.deal_risk - 1}`, 50);
    assert.ok(!low.some((d) => d.id === risky.id));
    assert.ok(low.every((d) => d.deal_risk !== null && d.deal_risk < risky.deal_risk));

    const v = risky.velocity_score as number;
    const exact = await walk(`/deals?velocity_score_min=${v}&velocity_score_max=${v}`, 50);
    assert.ok(exact.some((d) => d.id === risky.id));
    const above = await walk(`/deals?velocity_score_min=${v + 0.05}`, 50);
    assert.ok(!above.some((d) => d.id === risky.id), 'a bound between tenths is not rounded outwards');
    const engaged = await walk('/deals?engagement_score_min=0.1&sort=-engagement_score', 50);
    assert.deepEqual(
      engaged.map((d) => d.id),
      all
        .filter((d) => d.engagement_score >= 0.1)
        .sort((a, b) => b.engagement_score - a.engagement_score || (a.id < b.id ? 1 : -1))
        .map((d) => d.id),
    );
    const combined = await walk('/deals?is_closed=false&deal_risk_min=1&sort=-deal_risk', 1);
    assert.ok(combined.length > 0 && combined.every((d) => !d.is_closed && d.deal_risk >= 1));
  });

  test('bad score bounds and sorts are 400s naming the field', async () => {
    for (const q of [
      'deal_risk_min=abc',
      'deal_risk_max=1.5',
      'velocity_score_min=1e9',
      'health_score_min=1',
    ]) {
      const res = await get(`/deals?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(typeof res.body.error.message, 'string');
    }
    assert.equal((await get('/deals?sort=-risk')).status, 400);
  });

  test('accounts carry engagement and health scores, sortable and filterable', async () => {
    const accounts = await walk('/accounts?sort=-health_score', 1);
    assert.equal(accounts.length, 3);
    for (const a of accounts) {
      assert.equal(typeof a.health_score, 'number');
      assert.equal(typeof a.engagement_score, 'number');
      assert.ok(!('health_reasons' in a));
    }
    const health = accounts.map((a) => a.health_score as number);
    assert.deepEqual(
      health,
      [...health].sort((a, b) => b - a),
    );
    const top = health[0]!;
    const filtered = await walk(`/accounts?health_score_min=${top}`, 50);
    assert.ok(filtered.length >= 1 && filtered.every((a) => a.health_score >= top));
    const one = await get(`/accounts/${accounts[0]!.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.health_score, top);
    const rules = one.body.health_reasons.components.map((c: { rule: string }) => c.rule);
    assert.deepEqual(rules, ['open_pipeline', 'engagement', 'won_history', 'open_deal_risk']);
    assert.ok(Array.isArray(one.body.engagement_reasons));
  });

  test('deal detail shows each risk reason with its evidence rows', async () => {
    const res = await get(`/deals/${f.ids['deal:risky']}`);
    assert.equal(res.status, 200);
    const d = res.body;
    assert.equal(typeof d.deal_risk, 'number');
    const reasons = d.reasons.deal_risk as Array<Record<string, any>>;
    const points = reasons.reduce((s, r) => s + r.points, 0);
    assert.equal(d.deal_risk, Math.min(100, points));
    const byRule = Object.fromEntries(reasons.map((r) => [r.rule, r]));
    for (const r of reasons) assert.ok(Array.isArray(r.evidence), r.rule);

    assert.deepEqual(byRule.close_date_past.evidence, [
      { entity: 'deals', id: d.id, close_date: d.close_date },
    ]);
    assert.deepEqual(byRule.no_next_step.evidence, [{ entity: 'deals', id: d.id, next_step: null }]);
    const single = byRule.single_threaded.evidence;
    assert.equal(single.length, 1);
    assert.equal(single[0].entity, 'contacts');
    assert.equal(single[0].id, f.ids['contact:gx']);
    assert.equal(single[0].email, d.contacts[0].email);
    const regression = byRule.stage_regression.evidence[0];
    assert.equal(regression.entity, 'deal_stage_history');
    assert.equal(regression.from_stage_normalized, 'negotiation');
    assert.equal(regression.to_stage_normalized, 'evaluation');
    const stuck = byRule.stuck_in_stage.evidence[0];
    assert.equal(stuck.entity, 'deal_stage_history');
    assert.equal(stuck.to_stage_normalized, 'evaluation');
    const idle = byRule.no_recent_activity;
    assert.equal(idle.evidence.length, 1);
    assert.equal(idle.evidence[0].id, idle.last_touch.id);
    assert.equal(idle.evidence[0].entity, 'activities');
    assert.equal(Date.parse(idle.evidence[0].at), Date.parse(idle.last_touch.at));

    assert.equal(typeof d.reasons.velocity.days_in_stage, 'number');
    assert.equal(d.reasons.velocity.evidence[0].entity, 'deal_stage_history');
    const touches = d.reasons.engagement.find((r: { rule: string }) => r.rule === 'recent_touches');
    assert.equal(touches.evidence[0].id, touches.last_touch.id);
  });

  test('a closed deal has no risk reasons; an unscored workspace answers nulls, not errors', async () => {
    const won = await get(`/deals/${f.ids['deal:won1']}`);
    assert.equal(won.status, 200);
    assert.equal(won.body.deal_risk, null);
    assert.equal(won.body.reasons.deal_risk, null);
    assert.equal(won.body.reasons.velocity, null);
    const fresh = await seedFixture(app.db, 'unscored');
    const res = await app.request('GET', `/api/workspaces/${fresh.workspaceId}/deals?sort=-deal_risk`);
    assert.equal(res.status, 200);
    assert.ok(res.body.data.every((d: { deal_risk: unknown }) => d.deal_risk === null));
    const detail = await app.request(
      'GET',
      `/api/workspaces/${fresh.workspaceId}/deals/${fresh.ids['deal:risky']}`,
    );
    assert.deepEqual(detail.body.reasons, { deal_risk: null, velocity: null, engagement: null });
  });
});
