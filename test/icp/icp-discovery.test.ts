import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bulkUpsert } from '../../src/db/bulk-upsert.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { ENTITY_TABLES } from '../../src/entities/entity-tables.ts';
import { PLANTED_ICP } from '../../src/generator/planted-icp.ts';
import { generateWorld } from '../../src/generator/world.ts';
import type { IcpDiscoveryFacts } from '../../src/skills/icp-discovery.ts';
import { runSkillNow } from '../../src/skills/run-all-skills.ts';
import { formatSkillReport } from '../../src/skills/skill-report.ts';
import type { SkillResult } from '../../src/skills/skill-types.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const PLANTED_BANDS = ['200-999', '1000-4999'];

describe('icp-discovery and lead scores', () => {
  let app: TestApp;
  let ws: string;
  const get = (path: string, workspace = ws) => app.request('GET', `/api/workspaces/${workspace}${path}`);
  let lastReport = '';
  async function run(workspace: string, inputs: Record<string, unknown> = {}) {
    const r = await runSkillNow(app.deps, workspace, 'icp-discovery', inputs);
    assert.equal(r.status, 'succeeded', r.error ?? '');
    lastReport = formatSkillReport(r);
    return r.result as SkillResult<IcpDiscoveryFacts>;
  }
  let first: SkillResult<IcpDiscoveryFacts>;

  before(async () => {
    app = await startTestApp();
    ws = (await app.createWorkspace('icp')).id;
    await generateWorld(app.db, ws, { deals: 400, seed: 11 });
    first = await run(ws);
  });
  after(() => app.close());

  test('finds the planted features with lift, support and significance and writes profile version 1', () => {
    const f = first.facts;
    assert.equal(f.profile?.version, 1);
    assert.ok(f.learned_from.won > 0 && f.learned_from.lost > 0);
    const signal = (factor: string, values: readonly string[]) =>
      f.signals.find((s) => s.factor === factor && values.includes(s.value) && s.lift > 1);
    const role = signal('buying_role', [PLANTED_ICP.role]);
    assert.ok(role, JSON.stringify(f.signals.slice(0, 10)));
    assert.ok(role.p_value !== null && role.p_value < 0.05 && role.deals >= 10 && role.accounts >= 3);
    assert.ok(role.weight! > 0);
    const firmographic =
      signal(
        'industry',
        PLANTED_ICP.industries.map((i) => i.toLowerCase()),
      ) ?? signal('employee_band', PLANTED_BANDS);
    assert.ok(firmographic, 'a planted industry or employee band separates won from lost');
    // Every feature states its support and, when supported, its significance.
    for (const s of f.signals) assert.ok(s.deals >= 10 && s.p_value !== null && s.p_value < 0.05);
    assert.ok(first.findings.some((x) => x.kind === 'icp_fit' && x.metrics?.p_value !== undefined));
    // The offline narrative says it is offline.
    assert.equal(first.narrative?.provider, 'offline');
    assert.match(first.narrative!.summary, /offline/i);
  });

  test('accounts that fit the planted ICP score higher; scores carry a grade and a breakdown', async () => {
    const { rows } = await withWorkspace(app.db, ws, (tx) =>
      tx.query<{ fit: boolean; mean: number; n: number }>(
        `SELECT (industry = ANY($2::text[]) AND employee_count BETWEEN 200 AND 4999) AS fit,
           avg(icp_score)::float8 AS mean, count(*)::int AS n
         FROM accounts WHERE workspace_id = $1::uuid GROUP BY 1`,
        [ws, [...PLANTED_ICP.industries]],
      ),
    );
    const mean = (fit: boolean) => rows.find((r) => r.fit === fit)!.mean;
    assert.ok(mean(true) > mean(false) + 10, JSON.stringify(rows));
    for (const type of ['lead', 'contact', 'account']) {
      const res = await get(`/lead-scores?entity_type=${type}&limit=3`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const top = res.body.data[0];
      assert.ok(top.score >= 0 && top.score <= 100 && 'ABCDF'.includes(top.grade));
      assert.ok(top.breakdown.length > 0 && top.is_current);
      const total = top.breakdown.reduce((s: number, b: { points: number }) => s + b.points, 0);
      assert.ok(
        Math.abs(total - top.score) <= 1.5,
        `breakdown adds up to the score: ${total} vs ${top.score}`,
      );
      assert.ok(top.breakdown.some((b: { evidence: unknown }) => b.evidence !== null));
    }
  });

  test('lists sort and filter by icp_score through the API, keyset pages included', async () => {
    const seen: Array<{ id: string; icp_score: number | null; icp_grade: string | null }> = [];
    let cursor: string | null = null;
    do {
      const res = await get(
        `/leads?sort=-icp_score&limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      seen.push(...res.body.data);
      cursor = res.body.next_cursor;
    } while (cursor);
    const total = (await get('/leads?include_total=true&limit=1')).body.total;
    assert.equal(seen.length, total);
    assert.equal(new Set(seen.map((l) => l.id)).size, total);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i - 1]!.icp_score! >= seen[i]!.icp_score!);
    const high = await get('/accounts?icp_score_min=60&sort=icp_score&limit=200');
    assert.equal(high.status, 200);
    assert.ok(high.body.data.length > 0);
    for (const a of high.body.data) assert.ok(a.icp_score >= 60);
    const graded = await get('/contacts?icp_grade=A,B&limit=200');
    assert.ok(
      graded.body.data.every((c: { icp_grade: string }) => c.icp_grade === 'A' || c.icp_grade === 'B'),
    );
    assert.equal((await get('/leads?sort=-icp_grade')).status, 400);
  });

  test('a second run writes version 2; version 1 stays, no longer current; GET routes read them', async () => {
    const second = await run(ws, { as_of: '2026-11-01' });
    assert.equal(second.facts.profile?.version, 2);
    assert.match(lastReport, /ICP profile v2 \(\d+ won, \d+ lost deals\)/);
    assert.equal(second.facts.profile?.previous_version, 1);
    const profile = await get('/icp/profile');
    assert.equal(profile.status, 200);
    assert.equal(profile.body.version, 2);
    assert.ok(
      profile.body.personas.seniority.length > 0 && profile.body.learned_from.won_deal_ids.length > 0,
    );
    const versions = await get('/icp/profiles');
    assert.deepEqual(
      versions.body.data.map((v: { version: number; is_current: boolean }) => [v.version, v.is_current]),
      [
        [2, true],
        [1, false],
      ],
    );
    const leadId = (await get('/leads?sort=-icp_score&limit=1')).body.data[0].id;
    const history = await get(`/lead-scores?entity_type=lead&entity_id=${leadId}`);
    assert.deepEqual(
      history.body.data.map((s: { profile_version: number; is_current: boolean }) => [
        s.profile_version,
        s.is_current,
      ]),
      [
        [2, true],
        [1, false],
      ],
    );
  });

  test('a tiny workspace: too little data, no profile written, said in the headline', async () => {
    const tiny = (await app.createWorkspace('tiny')).id;
    const rows = Array.from({ length: 6 }, (_, i) => ({
      source: 'csv',
      source_id: `d${i}`,
      name: `Deal ${i}`,
      stage: i % 2 ? 'Closed Won' : 'Closed Lost',
      is_closed: true,
      is_won: i % 2 === 1,
      close_date: '2026-01-15',
    }));
    await withWorkspace(app.db, tiny, (tx) => bulkUpsert(tx, ENTITY_TABLES.deals, tiny, rows));
    const result = await run(tiny);
    assert.equal(result.facts.profile, null);
    assert.equal(result.facts.scoring, null);
    const thin = result.coverage!.gaps.find((g) => g.reason === 'too_little_data' && g.material);
    assert.ok(thin, JSON.stringify(result.coverage));
    assert.match(result.narrative!.headline, /too little data/);
    assert.equal((await get('/icp/profile', tiny)).status, 404);
  });
});
