import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formatDemoReport } from '../../src/demo/demo-report.ts';
import { type DemoSummary, demoRates, ensureDemoWorkspace } from '../../src/demo/demo-workspace.ts';
import type { HygieneFacts } from '../../src/skills/pipeline-hygiene.ts';
import { money } from '../../src/skills/skill-format.ts';
import type { SkillResult } from '../../src/skills/skill-types.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

// The start report must be true of the data the demo built: each figure is recomputed here from rows.
describe('demo start report', () => {
  let app: TestApp;
  let demo: DemoSummary;
  let report: string;
  before(async () => {
    app = await startTestApp();
    demo = await ensureDemoWorkspace(app.deps, { deals: 150 });
    report = formatDemoReport('http://demo.test', demo);
  });
  after(() => app.close());

  const hygiene = () =>
    demo.runs.find((r) => r.skill_id === 'pipeline-hygiene')!.result as SkillResult<HygieneFacts>;

  test('the open pipeline is converted to USD at the dated rate of each deal, and the report says so', async () => {
    const { rows } = await app.db.query<{ amount: number; currency: string; close_date: string | null }>(
      `SELECT amount::float8 AS amount, currency, close_date::text AS close_date FROM deals
       WHERE workspace_id = $1::uuid AND NOT is_closed AND amount IS NOT NULL`,
      [demo.workspaceId],
    );
    const asOf = (
      await app.db.query<{ as_of: string }>(
        "SELECT settings->>'demo_as_of' AS as_of FROM workspaces WHERE id = $1",
        [demo.workspaceId],
      )
    ).rows[0]!.as_of;
    const rates = demoRates(asOf).sort((a, b) => b.effective_date.localeCompare(a.effective_date));
    const rateOf = (currency: string, date: string | null) => {
      if (currency === 'USD') return 1;
      const mine = rates.filter((r) => r.currency === currency);
      return (mine.find((r) => date === null || r.effective_date <= date) ?? mine.at(-1)!).rate;
    };
    const expected = rows.reduce(
      (sum, d) => sum + Math.round(d.amount * rateOf(d.currency, d.close_date) * 100) / 100,
      0,
    );
    const converted = rows.filter((d) => d.currency !== 'USD').length;
    assert.ok(converted > 0, 'the demo world has deals in other currencies');
    const summary = demo.facts.pipeline;
    assert.equal(summary.currency, 'USD');
    assert.ok(Math.abs(summary.totals.amount - expected) < 0.01, `${summary.totals.amount} vs ${expected}`);
    assert.equal(summary.not_converted.deals, 0);
    assert.ok(
      report.includes(
        `Open pipeline: ${summary.totals.count} deals, ${money(expected)} in USD (weighted ${money(summary.totals.weighted_amount)}); ${converted} deals in EUR/GBP converted at dated rates`,
      ),
      report,
    );
  });

  test('the conversation line counts what the linker did', async () => {
    const { rows } = await app.db.query<{ total: number; deal: number; account: number; internal: number }>(
      `SELECT count(*)::int AS total, count(deal_id)::int AS deal,
         count(*) FILTER (WHERE deal_id IS NULL AND account_id IS NOT NULL)::int AS account,
         count(*) FILTER (WHERE is_internal)::int AS internal
       FROM conversations WHERE workspace_id = $1::uuid`,
      [demo.workspaceId],
    );
    const c = rows[0]!;
    assert.ok(c.total > 0);
    const share = `${((100 * c.deal) / c.total).toFixed(1)}%`;
    assert.ok(
      report.includes(
        `Conversations: ${c.total} recorded, ${c.deal} linked to deals (${share}), ${c.account} to an account only, ${c.internal} internal`,
      ),
      report,
    );
  });

  test('pipeline hygiene flags a minority, ranks by impact and names the top deals with one action each', () => {
    const f = hygiene().facts;
    assert.ok(f.open_deals > 20);
    assert.ok(
      f.flagged_deals > 0 && f.flagged_deals < f.open_deals / 2,
      `${f.flagged_deals} of ${f.open_deals}`,
    );
    for (let i = 1; i < f.top_deals.length; i++)
      assert.ok(f.top_deals[i - 1]!.impact >= f.top_deals[i]!.impact);
    for (const d of f.top_deals) {
      assert.equal(d.evidence.deal_id, d.id);
      assert.ok(d.issues.length > 0 && d.issues.every((i) => i in d.evidence));
    }
    f.top_deals.slice(0, 3).forEach((d, i) => {
      assert.ok(
        report.includes(`${i + 1}. ${d.name} (${d.rep}, ${money(d.amount_base)}): ${d.action}`),
        `deal ${i + 1} in the report`,
      );
    });
    assert.ok(hygiene().narrative!.headline.includes(`Top: ${f.top_deals[0]!.name}`));
    assert.ok(report.includes(hygiene().narrative!.headline));
  });

  test('full reports point to `pandora skill show`, not to a new run', () => {
    assert.ok(report.includes(`Full reports: pandora skill show <skill> --workspace ${demo.workspaceId}`));
    assert.doesNotMatch(report, /skill run/);
  });

  test('the sales roster lists every rep who owns demo deals, though no recorder is connected', async () => {
    const res = await app.request('GET', `/api/workspaces/${demo.workspaceId}/sales-roster`, {
      token: demo.apiKey,
    });
    assert.equal(res.status, 200);
    const { rows } = await app.db.query<{ email: string }>(
      `SELECT DISTINCT lower(owner_email) AS email FROM deals
       WHERE workspace_id = $1::uuid AND owner_email IS NOT NULL ORDER BY 1`,
      [demo.workspaceId],
    );
    assert.ok(rows.length > 0);
    assert.deepEqual(
      res.body.data.map((r: { email: string }) => r.email),
      rows.map((r) => r.email),
    );
    for (const rep of res.body.data) {
      assert.equal(rep.tracked, false);
      assert.ok(rep.crm_owners[0].deal_count > 0);
    }
  });

  test('a restart prints the same headlines from the stored runs', async () => {
    const again = await ensureDemoWorkspace(app.deps, { deals: 150 });
    assert.equal(again.created, false);
    const second = formatDemoReport('http://demo.test', again);
    for (const run of demo.runs) {
      const headline = (run.result as SkillResult | null)?.narrative?.headline;
      if (headline) assert.ok(second.includes(headline), `${run.skill_id} headline after a restart`);
    }
    assert.ok(second.includes(hygiene().facts.top_deals[0]!.action));
    assert.ok(second.includes(`Open pipeline: ${demo.facts.pipeline.totals.count} deals`));
  });
});
