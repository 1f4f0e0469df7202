import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { runComputedFields } from '../../src/compute/compute-engine.ts';
import { loadConfig } from '../../src/config.ts';
import { createCredentialVault } from '../../src/connectors/credential-vault.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { bulkUpsert } from '../../src/db/bulk-upsert.ts';
import { ENTITY_TABLES } from '../../src/entities/entity-tables.ts';
import { createLogger } from '../../src/logger.ts';
import type { DiscoveryFacts } from '../../src/skills/custom-field-discovery.ts';
import type { AuditFacts } from '../../src/skills/data-quality-audit.ts';
import type { ForecastFacts } from '../../src/skills/forecast.ts';
import type { HygieneFacts } from '../../src/skills/pipeline-hygiene.ts';
import { runAllSkills, runSkillNow } from '../../src/skills/run-all-skills.ts';
import { formatSkillReport } from '../../src/skills/skill-report.ts';
import type { SkillResult } from '../../src/skills/skill-types.ts';
import { putContextSections } from '../../src/workspaces/context-layer.ts';
import { createQuotaPeriod, setRepQuota } from '../../src/workspaces/quotas.ts';
import { AS_OF, type Fixture, seedFixture } from '../helpers/intelligence-fixture.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';

let t: TestDb;
let f: Fixture;
let deps: Parameters<typeof runSkillNow>[0];

async function run<F>(skillId: string, inputs: Record<string, unknown> = { as_of: AS_OF }) {
  const r = await runSkillNow(deps, f.workspaceId, skillId, inputs);
  assert.equal(r.status, 'succeeded', r.error ?? '');
  return { run: r, result: r.result as SkillResult<F> };
}

describe('skills (offline provider)', () => {
  before(async () => {
    t = await createTestDb();
    f = await seedFixture(t.db);
    deps = {
      db: t.db,
      config: loadConfig({}),
      vault: createCredentialVault(randomBytes(32)),
      log: createLogger('silent'),
    };
    await runComputedFields(t.db, f.workspaceId, { asOf: AS_OF });
  });
  after(() => t.close());

  test('pipeline-hygiene ranks flagged deals by expected impact, one action each, citing evidence', async () => {
    const { run: r, result } = await run<HygieneFacts>('pipeline-hygiene');
    const facts = result.facts;
    assert.equal(facts.currency, 'USD');
    assert.equal(facts.open_deals, 3);
    assert.equal(facts.flagged_deals, 1); // risky; healthy has no issue, noamount cannot be weighed
    const top = facts.top_deals[0]!;
    assert.equal(top.id, f.ids['deal:risky']);
    for (const issue of [
      'past_close_date',
      'missing_next_step',
      'stale',
      'single_threaded',
      'stuck_in_stage',
    ])
      assert.ok(top.issues.includes(issue as never), issue);
    // Expected impact = amount in base currency × stage probability × share the issues take away.
    assert.ok(top.lowered_by >= 0.5 && top.lowered_by < 1);
    // (lowered_by is reported to three decimals, so the product agrees to within 20 000 × 0.0005.)
    assert.ok(Math.abs(top.impact - 50_000 * 0.4 * top.lowered_by) <= 10.01, String(top.impact));
    assert.ok(Math.abs(facts.expected_impact - top.impact) < 0.01);
    assert.match(top.action, /\S/);
    assert.ok((top.evidence.stale as { threshold_days: number }).threshold_days > 0);
    assert.equal((top.evidence.past_close_date as { days_past: number }).days_past, 10);
    const finding = result.findings.find((x) => x.kind === 'deal_at_risk')!;
    assert.deepEqual(finding.evidence.deals, [f.ids['deal:risky']]);
    assert.equal(finding.metrics!.rank, 1);
    const noAmount = result.findings.find((x) => x.kind === 'missing_amount')!;
    assert.deepEqual(noAmount.evidence.deals, [f.ids['deal:noamount']]);
    assert.deepEqual(
      result.coverage!.gaps.map((g) => [g.reason, g.count, g.of]),
      [
        ['no_amount', 1, 3],
        ['unlinked_calls', 1, 2],
      ],
    );
    assert.equal(result.narrative!.provider, 'offline');
    assert.match(result.narrative!.headline, /^1 of 3 open deals flagged/);
    assert.ok(
      result.narrative!.headline.includes(`Top: ${top.name} ($50k): ${top.action}`),
      result.narrative!.headline,
    );
    assert.match(result.narrative!.headline, /not counted: 1 without amount, 1 unlinked call$/);
    assert.ok(r.phase_timings.compute_ms !== undefined && r.phase_timings.synthesize_ms !== undefined);
    assert.ok(r.tokens.synthesize!.input > 0);
    assert.match(formatSkillReport(r), /Top deals by expected impact/);
  });

  test('forecast falls back to context-layer goals, then uses the active quota period, saying which', async () => {
    await withWorkspace(t.db, f.workspaceId, (tx) =>
      putContextSections(tx, f.workspaceId, {
        goals_and_targets: { quarterly_quota: 200_000, pipeline_coverage_target: 3 },
      }),
    );
    const ctx = (await run<ForecastFacts>('forecast')).result.facts;
    assert.equal(ctx.quota_source, 'context_layer');
    assert.deepEqual([ctx.period.start_date, ctx.period.end_date], ['2025-04-01', '2025-06-30']);
    // Won deals closed 31–34 days before AS_OF (in the quarter): 21k + 22k + 23k + 24k.
    assert.equal(ctx.team.closed_won, 90_000);
    assert.equal(ctx.team.quota, 200_000);
    assert.equal(ctx.team.attainment, 0.45);
    // Risky closes in the quarter (best case by category); healthy and noamount close in July.
    assert.equal(ctx.team.best_case, 50_000);

    const period = await withWorkspace(t.db, f.workspaceId, (tx) =>
      createQuotaPeriod(tx, f.workspaceId, {
        name: 'June',
        period_type: 'month',
        start_date: '2025-06-01',
        end_date: '2025-06-30',
        team_quota: 100_000,
      }),
    );
    await withWorkspace(t.db, f.workspaceId, (tx) =>
      setRepQuota(tx, f.workspaceId, period.id, { rep_email: 'bob@us.com', quota_amount: 60_000 }),
    );
    const { result } = await run<ForecastFacts>('forecast');
    const q = result.facts;
    assert.equal(q.quota_source, 'quota_period');
    assert.equal(q.period.name, 'June');
    assert.equal(q.team.closed_won, 0); // every win closed in May, before the June period
    assert.equal(q.team.attainment, 0);
    const bob = q.reps.find((r) => r.rep === 'bob@us.com')!;
    assert.equal(bob.quota, 60_000);
    assert.equal(bob.best_case, 50_000);
    assert.ok(
      result.findings.some(
        (x) => x.kind === 'rep_short_of_quota' && x.evidence.deals?.[0] === f.ids['deal:risky'],
      ),
    );
    assert.match(result.narrative!.summary, /active quota period/);
  });

  test('forecast names the open deals that slipped before the period: in no roll-up until re-dated', async () => {
    // In August the quarter is Q3: the risky deal's June close date is behind it, the others close in it.
    const { result } = await run<ForecastFacts>('forecast', { as_of: '2025-08-01' });
    const facts = result.facts;
    assert.deepEqual([facts.period.start_date, facts.period.end_date], ['2025-07-01', '2025-09-30']);
    assert.deepEqual(facts.past_due, { deals: 1, amount: 50_000, deal_ids: [f.ids['deal:risky']] });
    assert.equal(facts.team.open_deals, 2);
    assert.equal(facts.team.best_case, 0, 'the slipped best-case deal is in no period');
    const finding = result.findings.find((x) => x.kind === 'past_due')!;
    assert.deepEqual(finding.evidence.deals, [f.ids['deal:risky']]);
    assert.match(finding.title, /^1 open deals \(\$50k\) have close dates before 2025-07-01/);
    assert.match(result.narrative!.summary, /1 open deals \(\$50k\) are past their close date/);
    assert.equal(result.narrative!.actions[0], 'Re-date or close the 1 past-due open deals ($50k)');
    // In the quarter they close in, nothing has slipped.
    const q2 = (await run<ForecastFacts>('forecast')).result;
    assert.deepEqual(q2.facts.past_due, { deals: 0, amount: 0, deal_ids: [] });
    assert.equal(
      q2.findings.some((x) => x.kind === 'past_due'),
      false,
    );
  });

  test('data-quality-audit finds duplicates, orphans, unlinked conversations; classification ignores injected text', async () => {
    // A call at Globex linked to the account but to no deal: the linker's report counts it.
    await bulkUpsert(t.db, ENTITY_TABLES.conversations, f.workspaceId, [
      {
        source: 'fixture',
        source_id: 'cv3',
        title: 'Globex pricing follow-up',
        started_at: '2025-06-25T15:00:00Z',
        duration_seconds: 1800,
        participants: [{ name: 'Gail', email: 'gail@globex.com', affiliation: 'external' }],
      },
    ]);
    await t.db.query(
      `UPDATE conversations SET account_id = $2::uuid, link_method = 'domain_match', is_internal = false
       WHERE workspace_id = $1::uuid AND source_id = 'cv3'`,
      [f.workspaceId, f.ids['account:globex']!],
    );
    const { result } = await run<AuditFacts>('data-quality-audit');
    const facts = result.facts;
    assert.equal(facts.duplicates.accounts.groups, 2); // "Acme Inc" ~ "ACME, Inc." by name, and acme.com ~ www.acme.com
    assert.equal(facts.duplicates.contacts.groups, 1);
    assert.deepEqual(
      facts.duplicates.contacts.top[0]!.ids.sort(),
      [f.ids['contact:gx'], f.ids['contact:gx-dup']].sort(),
    );
    assert.equal(facts.orphans.deals_without_account, 1);
    assert.equal(facts.unlinked_conversations.total, 1);
    assert.equal(facts.conversations_without_deals.total, 1);
    assert.equal(facts.conversations_without_deals.accounts, 1);
    assert.ok(result.findings.some((x) => x.kind === 'conversations_without_deals'));
    const cv2 = facts.unlinked_conversations.sample[0]!;
    assert.deepEqual(cv2.external_domains, ['initech.com']);
    assert.equal(result.labels![cv2.id], 'prospect_meeting'); // "Intro with Initech", despite the injected instruction
    const deals = facts.completeness.find((c) => c.entity === 'deals')!;
    assert.equal(deals.fields.amount, 7 / 8);
    assert.ok(
      result.findings.some(
        (x) => x.kind === 'unlinked_conversations' && x.evidence.conversations?.[0] === cv2.id,
      ),
    );
    assert.equal(facts.duplicates.deals.groups, 0);

    // The risky deal entered again by another import, its name spelled differently: pipeline counted twice.
    // Another deal of that name and account for another amount is another deal.
    const entered = (id: string, amount: number) => ({
      source: 'csv_import',
      source_id: id,
      name: 'deal  RISKY!',
      amount,
      currency: 'USD',
      stage_normalized: 'evaluation',
      is_closed: false,
      is_won: false,
      account_id: f.ids['account:globex'],
    });
    await bulkUpsert(t.db, ENTITY_TABLES.deals, f.workspaceId, [
      entered('dup-risky', 50_000),
      entered('other-risky', 7_000),
    ]);
    try {
      const again = await run<AuditFacts>('data-quality-audit');
      const dupes = again.result.facts.duplicates.deals;
      assert.equal(dupes.groups, 1);
      assert.equal(dupes.records, 2);
      assert.equal(dupes.repeated_amount, 50_000);
      assert.ok(dupes.top[0]!.ids.includes(f.ids['deal:risky']!));
      const finding = again.result.findings.find((x) => x.kind === 'duplicates' && x.evidence.deals)!;
      assert.equal(finding.severity, 'high');
      assert.match(finding.title, /\$50k of open pipeline is counted more than once/);
      assert.ok(
        again.result.narrative!.actions.some((a) => /Merge 1 duplicate open deal groups: \$50k/.test(a)),
      );
    } finally {
      await t.db.query(
        `DELETE FROM deals WHERE workspace_id = $1::uuid AND source_id IN ('dup-risky', 'other-risky')`,
        [f.workspaceId],
      );
    }
  });

  test('custom-field-discovery profiles fields and ranks relevance to winning, with support and significance', async () => {
    const loose = { min_deals: 1, min_accounts: 1 };
    const { run: r, result } = await run<DiscoveryFacts>('custom-field-discovery', loose);
    const facts = result.facts;
    const region = facts.fields.find((x) => x.entity === 'deals' && x.field === 'region')!;
    assert.equal(region.type, 'string');
    assert.equal(region.cardinality, 3);
    assert.equal(region.fill_rate, 7 / 8);
    // 4 won of 5 closed; apac holds the one loss: lift -0.8, Fisher's exact p = 0.2 (1 of 5 tables).
    assert.equal(facts.base_win_rate, 0.8);
    assert.equal(region.best_value, 'apac');
    assert.ok(Math.abs(region.relevance! + 0.8) < 1e-9);
    assert.deepEqual(region.support, { deals: 1, accounts: 1 });
    assert.equal(region.significance?.test, 'fisher_exact');
    assert.ok(Math.abs((region.significance as { p_value: number }).p_value - 0.2) < 1e-9);
    assert.equal(region.verdict, 'no_signal');
    const seats = facts.fields.find((x) => x.entity === 'deals' && x.field === 'seats')!;
    assert.equal(seats.relevance_kind, 'correlation');
    assert.ok(seats.relevance! > 0.9);
    assert.equal(seats.significance?.test, 'correlation_95ci');
    const tier = facts.fields.find((x) => x.entity === 'accounts' && x.field === 'tier')!;
    assert.equal(tier.cardinality, 2);
    // With the default minimum support (10 deals at 3 accounts) five closed deals give no verdict.
    const strict = (await run<DiscoveryFacts>('custom-field-discovery', {})).result;
    assert.ok(strict.facts.fields.every((x) => x.verdict !== 'signal' && x.score === 0));
    assert.ok(strict.findings.every((x) => x.kind === 'too_little_data'));
    assert.ok(
      strict.findings.some((x) =>
        /deals\.region = "apac": -80 pts win rate rests on 1 deals, 1 accounts: too little data/.test(
          x.title,
        ),
      ),
    );
    assert.equal(result.narrative, undefined);
    assert.equal(r.tokens.synthesize!.input, 0);
  });

  test('runAllSkills runs the four skills and records them', async () => {
    const runs = await runAllSkills(deps, f.workspaceId, { asOf: AS_OF });
    assert.deepEqual(
      runs.map((r) => [r.skill_id, r.status]),
      [
        ['pipeline-hygiene', 'succeeded'],
        ['forecast', 'succeeded'],
        ['data-quality-audit', 'succeeded'],
        ['custom-field-discovery', 'succeeded'],
      ],
    );
    const usage = await withWorkspace(t.db, f.workspaceId, (tx) =>
      tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM llm_usage WHERE workspace_id = $1::uuid AND skill_run_id IS NOT NULL`,
        [f.workspaceId],
      ),
    );
    assert.ok(usage.rows[0]!.n >= 4);
  });
});
