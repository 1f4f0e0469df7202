import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { runComputedFields } from '../../src/compute/compute-engine.ts';
import { loadConfig } from '../../src/config.ts';
import { createCredentialVault } from '../../src/connectors/credential-vault.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
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

  test('pipeline-hygiene ranks reps and deals by amount at risk, with evidence', async () => {
    const { run: r, result } = await run<HygieneFacts>('pipeline-hygiene');
    const facts = result.facts;
    assert.equal(facts.open_deals, 3);
    assert.equal(facts.deals_at_risk, 2); // risky (many issues) and noamount (missing amount)
    assert.equal(facts.reps[0]!.rep, 'bob@us.com');
    assert.equal(facts.top_deals[0]!.id, f.ids['deal:risky']);
    assert.deepEqual(facts.top_deals[0]!.issues, [
      'past_close_date',
      'missing_next_step',
      'stale',
      'single_threaded',
      'stuck_in_stage',
    ]);
    const past = result.findings.find((x) => x.kind === 'past_close_date')!;
    assert.deepEqual(past.evidence.deals, [f.ids['deal:risky']]);
    assert.equal(result.narrative!.provider, 'offline');
    assert.match(result.narrative!.headline, /2 of 3 open deals need attention/);
    assert.ok(r.phase_timings.compute_ms !== undefined && r.phase_timings.synthesize_ms !== undefined);
    assert.ok(r.tokens.synthesize!.input > 0);
    assert.match(formatSkillReport(r), /By rep/);
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

  test('data-quality-audit finds duplicates, orphans, unlinked conversations; classification ignores injected text', async () => {
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
    assert.equal(facts.unlinked_conversations.source, 'direct_query');
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
  });

  test('custom-field-discovery profiles fields and ranks relevance to winning', async () => {
    const { run: r, result } = await run<DiscoveryFacts>('custom-field-discovery', { min_values: 1 });
    const facts = result.facts;
    const region = facts.fields.find((x) => x.entity === 'deals' && x.field === 'region')!;
    assert.equal(region.type, 'string');
    assert.equal(region.cardinality, 3);
    assert.equal(region.fill_rate, 7 / 8);
    // 4 won of 5 closed; apac holds the one loss: lift -0.8.
    assert.equal(facts.base_win_rate, 0.8);
    assert.equal(region.best_value, 'apac');
    assert.ok(Math.abs(region.relevance! + 0.8) < 1e-9);
    const seats = facts.fields.find((x) => x.entity === 'deals' && x.field === 'seats')!;
    assert.equal(seats.relevance_kind, 'correlation');
    assert.ok(seats.relevance! > 0.9);
    const tier = facts.fields.find((x) => x.entity === 'accounts' && x.field === 'tier')!;
    assert.equal(tier.cardinality, 2);
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
