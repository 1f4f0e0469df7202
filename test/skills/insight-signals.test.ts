import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createCredentialVault } from '../../src/connectors/credential-vault.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { extractInsights } from '../../src/insights/extract-insights.ts';
import { createLogger } from '../../src/logger.ts';
import type { ForecastFacts } from '../../src/skills/forecast.ts';
import type { HygieneFacts } from '../../src/skills/pipeline-hygiene.ts';
import { runSkillNow } from '../../src/skills/run-all-skills.ts';
import type { SkillResult } from '../../src/skills/skill-types.ts';
import { addCall, seedInsightWorld, transcriptOf } from '../insights/insight-seed.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';

const AS_OF = '2025-06-15';

let t: TestDb;
let w: Awaited<ReturnType<typeof seedInsightWorld>>;
let deps: Parameters<typeof runSkillNow>[0];

async function run<F>(skillId: string, asOf = AS_OF) {
  const r = await runSkillNow(deps, w.workspaceId, skillId, { as_of: asOf });
  assert.equal(r.status, 'succeeded', r.error ?? '');
  return r.result as SkillResult<F>;
}

async function extract() {
  const totals = await extractInsights(deps, w.workspaceId, { kind: 'pending' });
  assert.equal(totals.failed, 0);
  return totals;
}

async function insightRows(ids: string[]) {
  return withWorkspace(t.db, w.workspaceId, async (tx) => {
    const { rows } = await tx.query<{ id: string; deal_id: string; insight_type: string; quote: string }>(
      'SELECT id, deal_id, insight_type, quote FROM deal_insights WHERE workspace_id = $1 AND id = ANY($2::uuid[]) ORDER BY insight_type',
      [w.workspaceId, ids],
    );
    return rows;
  });
}

describe('pipeline-hygiene and forecast use deal insights, citing them', () => {
  before(async () => {
    t = await createTestDb();
    w = await seedInsightWorld(t.db);
    deps = {
      db: t.db,
      config: loadConfig({}),
      vault: createCredentialVault(randomBytes(32)),
      log: createLogger('silent'),
    };
    // Both deals in commit for the quarter of AS_OF (April to June).
    await withWorkspace(t.db, w.workspaceId, (tx) =>
      tx.query(
        `UPDATE deals SET forecast_category = 'commit', close_date = CASE WHEN id = $2 THEN '2025-06-20'::date ELSE close_date END
         WHERE workspace_id = $1`,
        [w.workspaceId, w.otherDealId],
      ),
    );
  });
  after(() => t.close());

  test('without insights neither skill reports a call signal', async () => {
    const hygiene = await run<HygieneFacts>('pipeline-hygiene');
    assert.deepEqual(hygiene.facts.call_risk_deals, []);
    assert.ok(!hygiene.findings.some((f) => f.kind === 'call_risk_without_next_step'));
    const forecast = await run<ForecastFacts>('forecast');
    assert.equal(forecast.facts.team.commit, 100_000);
    assert.deepEqual(forecast.facts.commit_at_risk, { amount: 0, deals: [] });
    assert.ok(!forecast.findings.some((f) => f.kind === 'commit_at_risk_from_calls'));
  });

  test('a competitor on the latest call with no next step is a hygiene finding citing the insight', async () => {
    const call = await addCall(t.db, w.workspaceId, {
      sourceId: 'c1',
      dealId: w.dealId,
      startedAt: '2025-05-10T15:00:00Z',
      transcript: transcriptOf([
        ['b', 'We are also evaluating Clari for this.'],
        ['s', 'Thanks, that is helpful context.'],
      ]),
    });
    // The other deal's call raises a budget objection but ends with a next step, and names a late timeline.
    await addCall(t.db, w.workspaceId, {
      sourceId: 'c2',
      dealId: w.otherDealId,
      startedAt: '2025-05-12T15:00:00Z',
      transcript: transcriptOf([
        ['b', 'Our main concern is the per seat pricing.'],
        ['b', 'We need this live by the end of next quarter.'],
        ['s', 'Next step: I will send over a pricing proposal by Friday.'],
      ]),
    });
    assert.ok((await extract()).insights_written >= 4);

    const hygiene = await run<HygieneFacts>('pipeline-hygiene');
    const findings = hygiene.findings.filter((f) => f.kind === 'call_risk_without_next_step');
    assert.equal(findings.length, 1, 'the deal whose call ended with a next step is not flagged');
    const f = findings[0]!;
    assert.deepEqual(f.evidence.deals, [w.dealId]);
    assert.deepEqual(f.evidence.conversations, [call]);
    assert.match(f.title, /named Clari and ended with no next step/);
    const cited = await insightRows(f.evidence.insights!);
    assert.deepEqual(
      cited.map((r) => [r.deal_id, r.insight_type, r.quote]),
      [[w.dealId, 'competitors', 'We are also evaluating Clari for this.']],
    );
    const facts = hygiene.facts.call_risk_deals[0]!;
    assert.equal(facts.evidence.insights[0]!.quote, 'We are also evaluating Clari for this.');
    assert.equal(hygiene.facts.issues.find((i) => i.issue === 'call_risk')!.deals, 1);

    // As of a date before the call, the call is not read.
    const earlier = await run<HygieneFacts>('pipeline-hygiene', '2025-05-01');
    assert.deepEqual(earlier.facts.call_risk_deals, []);
  });

  test('a commit deal with a timeline after its close date or a budget objection is flagged in the forecast', async () => {
    const forecast = await run<ForecastFacts>('forecast');
    const flags = forecast.facts.commit_at_risk;
    assert.equal(flags.deals.length, 1, 'the competitor alone does not put a commit date in doubt');
    const d = flags.deals[0]!;
    assert.equal(d.deal_id, w.otherDealId);
    assert.equal(d.timeline_date, '2025-09-30');
    assert.equal(d.budget_objection, true);
    assert.equal(flags.amount, 50_000);
    const finding = forecast.findings.find((x) => x.kind === 'commit_at_risk_from_calls')!;
    assert.deepEqual(finding.evidence.deals, [w.otherDealId]);
    assert.match(finding.title, /named 2025-09-30, after the 2025-06-20 close date; a budget objection/);
    const cited = await insightRows(finding.evidence.insights!);
    assert.deepEqual(
      cited.map((r) => [r.deal_id, r.insight_type]),
      [
        [w.otherDealId, 'objections'],
        [w.otherDealId, 'timeline'],
      ],
    );
    assert.match(forecast.narrative!.summary, /of commit \(1 deals\) is in doubt/);
  });

  test('a later call with a next step clears the hygiene finding', async () => {
    await addCall(t.db, w.workspaceId, {
      sourceId: 'c3',
      dealId: w.dealId,
      startedAt: '2025-06-01T15:00:00Z',
      transcript: transcriptOf([['s', 'Next step: I will set up a technical demo for your team.']]),
    });
    await extract();
    const hygiene = await run<HygieneFacts>('pipeline-hygiene');
    assert.deepEqual(hygiene.facts.call_risk_deals, []);
    assert.ok(!hygiene.findings.some((f) => f.kind === 'call_risk_without_next_step'));
  });
});
