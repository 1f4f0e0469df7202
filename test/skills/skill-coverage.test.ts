import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createCredentialVault } from '../../src/connectors/credential-vault.ts';
import { runComputedFields } from '../../src/compute/compute-engine.ts';
import { bulkUpsert } from '../../src/db/bulk-upsert.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { ENTITY_TABLES } from '../../src/entities/entity-tables.ts';
import { createLogger } from '../../src/logger.ts';
import { putExchangeRates } from '../../src/money/exchange-rates.ts';
import type { DiscoveryFacts } from '../../src/skills/custom-field-discovery.ts';
import type { AuditFacts } from '../../src/skills/data-quality-audit.ts';
import type { ForecastFacts } from '../../src/skills/forecast.ts';
import { clusterValues, editDistance } from '../../src/skills/near-duplicate-values.ts';
import type { HygieneFacts } from '../../src/skills/pipeline-hygiene.ts';
import { runSkillNow } from '../../src/skills/run-all-skills.ts';
import type { SkillResult } from '../../src/skills/skill-types.ts';
import { correlationInterval, fisherExactP } from '../../src/skills/win-rate-statistics.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';

const AS_OF = '2026-05-15';

test('Fisher exact test and the correlation interval match textbook values', () => {
  // The lady tasting tea: 3 of 4 right each way, two-sided p = 34/70.
  assert.ok(Math.abs(fisherExactP(3, 1, 1, 3) - 34 / 70) < 1e-12);
  assert.ok(Math.abs(fisherExactP(1, 0, 3, 1) - 1) < 1e-12);
  assert.ok(fisherExactP(18, 2, 4, 16) < 0.001);
  const ci = correlationInterval(0.5, 30)!;
  // r = 0.5 over 30 pairs: z = atanh(0.5) ± 1.96/√27, back through tanh.
  assert.ok(Math.abs(ci.low - 0.1704) < 1e-3 && Math.abs(ci.high - 0.7292) < 1e-3, JSON.stringify(ci));
  assert.equal(correlationInterval(0.9, 3), null);
});

test('near-duplicate values: normalised form and small edit distance, merged into the most used', () => {
  assert.equal(editDistance('software', 'sofware', 2), 1);
  const clusters = clusterValues([
    { value: 'Software', count: 40 },
    { value: 'software ', count: 3 },
    { value: 'Sofware', count: 2 },
    { value: 'Hardware', count: 12 },
    { value: 'EMEA', count: 5 },
    { value: 'EMEA2', count: 1 },
    { value: 'Q1', count: 4 },
    { value: 'Q2', count: 4 },
  ]);
  assert.deepEqual(clusters, [
    [
      { value: 'Software', count: 40 },
      { value: 'software ', count: 3 },
      { value: 'Sofware', count: 2 },
    ],
  ]);
});

describe('skills state their coverage', () => {
  let t: TestDb;
  let deps: Parameters<typeof runSkillNow>[0];
  before(async () => {
    t = await createTestDb();
    deps = {
      db: t.db,
      config: loadConfig({}),
      vault: createCredentialVault(randomBytes(32)),
      log: createLogger('silent'),
    };
  });
  after(() => t.close());

  const newWorkspace = async (name: string) =>
    (await t.db.transaction((tx) => createWorkspace(tx, { name }))).id;
  async function run<F>(ws: string, skill: string, inputs: Record<string, unknown> = { as_of: AS_OF }) {
    const r = await runSkillNow(deps, ws, skill, inputs);
    assert.equal(r.status, 'succeeded', r.error ?? '');
    return r.result as SkillResult<F>;
  }
  const deal = (id: string, extra: Record<string, unknown>) => ({
    source: 'csv',
    source_id: id,
    name: `Deal ${id}`,
    stage: 'Proposal',
    stage_normalized: 'evaluation',
    is_closed: false,
    is_won: false,
    owner_email: 'ana@us.test',
    amount: 10_000,
    currency: 'USD',
    ...extra,
  });

  test('forecast on an export whose open deals have no close date says so in the headline', async () => {
    const ws = await newWorkspace('export');
    await bulkUpsert(t.db, ENTITY_TABLES.deals, ws, [
      ...Array.from({ length: 12 }, (_, i) => deal(`o${i}`, { close_date: null })),
      deal('dated', { close_date: '2026-06-10' }),
    ]);
    const result = await run<ForecastFacts>(ws, 'forecast');
    assert.equal(result.facts.team.open_deals, 1);
    assert.deepEqual(
      result.coverage!.gaps.map((g) => [g.reason, g.count, g.of, g.material]),
      [['no_close_date', 12, 13, true]],
    );
    assert.match(result.narrative!.headline, /not counted: 12 without close date$/);
    const finding = result.findings.find((f) => f.kind === 'coverage_no_close_date')!;
    assert.equal(finding.title, '12 of 13 open deals (no close date): in no period, left out of the roll-up');
  });

  test('pipeline-hygiene and forecast leave deals with no rate out of money figures and count them', async () => {
    const ws = await newWorkspace('fx');
    await bulkUpsert(t.db, ENTITY_TABLES.deals, ws, [
      deal('usd', { close_date: '2026-04-01', probability: 50 }),
      deal('eur1', { currency: 'EUR', close_date: '2026-04-01', probability: 50 }),
      deal('eur2', { currency: 'EUR', close_date: '2026-06-01', probability: 50 }),
      deal('gbp', { currency: 'GBP', close_date: '2026-06-01', probability: 50 }),
    ]);
    const before = await run<HygieneFacts>(ws, 'pipeline-hygiene');
    assert.equal(before.facts.sized_deals, 1);
    assert.equal(before.facts.expected_value, 5_000);
    const noRate = before.coverage!.gaps.find((g) => g.reason === 'no_rate')!;
    assert.deepEqual([noRate.count, noRate.of], [3, 4]);
    assert.match(noRate.effect, /EUR\/GBP has no rate/);
    assert.match(before.narrative!.headline, /3 without exchange rate/);
    const forecast = await run<ForecastFacts>(ws, 'forecast');
    assert.equal(forecast.facts.team.open_deals, 1); // the USD deal; EUR and GBP have no rate yet
    assert.equal(
      forecast.facts.team.best_case + forecast.facts.team.pipeline + forecast.facts.team.commit,
      10_000,
    );
    assert.equal(forecast.coverage!.gaps.find((g) => g.reason === 'no_rate')!.count, 3);
    await withWorkspace(t.db, ws, (tx) =>
      putExchangeRates(tx, ws, [
        { currency: 'EUR', effective_date: '2026-01-01', rate: 1.1 },
        { currency: 'GBP', effective_date: '2026-01-01', rate: 1.3 },
      ]),
    );
    const after = await run<HygieneFacts>(ws, 'pipeline-hygiene');
    assert.equal(after.facts.sized_deals, 4);
    assert.equal(after.facts.expected_value, 5_000 + 5_500 + 5_500 + 6_500);
    assert.equal(
      after.coverage!.gaps.find((g) => g.reason === 'no_rate'),
      undefined,
    );
  });

  test('a workspace with no activity or deal contacts: staleness and threading are gaps, not flags', async () => {
    const ws = await newWorkspace('deals only');
    const old = { source_created_at: '2026-04-01T00:00:00Z', close_date: '2026-09-30', probability: 40 };
    await bulkUpsert(
      t.db,
      ENTITY_TABLES.deals,
      ws,
      Array.from({ length: 6 }, (_, i) =>
        deal(`d${i}`, { ...old, next_step: 'Send proposal', ...(i >= 4 && { close_date: '2026-04-30' }) }),
      ),
    );
    const rules = async () => {
      await runComputedFields(t.db, ws, { asOf: AS_OF });
      const { rows } = await t.db.query<{ source_id: string; rules: string[] }>(
        `SELECT source_id, ARRAY(SELECT r->>'rule' FROM jsonb_array_elements(deal_risk_reasons) r ORDER BY 1) AS rules
           FROM deals WHERE workspace_id = $1::uuid ORDER BY source_id`,
        [ws],
      );
      return rows;
    };
    const judged = (r: { rules: string[] }) =>
      r.rules.filter((x) => x === 'no_recent_activity' || x === 'single_threaded');
    for (const r of await rules()) assert.deepEqual(judged(r), [], r.source_id);
    const hygiene = await run<HygieneFacts>(ws, 'pipeline-hygiene');
    assert.equal(hygiene.facts.flagged_deals, 0);
    assert.match(
      hygiene.narrative!.headline,
      /^No open deal has issues putting half its value at risk \(6 open deals; most common issue: 2 with close date in the past\)/,
    );
    assert.deepEqual(
      hygiene
        .coverage!.gaps.filter((g) => g.reason === 'no_activity_data' || g.reason === 'no_contact_data')
        .map((g) => [g.reason, g.count, g.of]),
      [
        ['no_activity_data', 6, 6],
        ['no_contact_data', 6, 6],
      ],
    );
    // One touch on one deal: the workspace records activity, and the others' silence counts again.
    const [d0] = (
      await t.db.query<{ id: string }>(
        `SELECT id FROM deals WHERE workspace_id = $1::uuid AND source_id = 'd0'`,
        [ws],
      )
    ).rows;
    await bulkUpsert(t.db, ENTITY_TABLES.activities, ws, [
      {
        source: 'csv',
        source_id: 'a0',
        activity_type: 'email',
        occurred_at: '2026-05-10T00:00:00Z',
        deal_id: d0!.id,
      },
    ]);
    const after = await rules();
    assert.deepEqual(judged(after[0]!), []);
    for (const r of after.slice(1)) assert.deepEqual(judged(r), ['no_recent_activity'], r.source_id);
    const again = await run<HygieneFacts>(ws, 'pipeline-hygiene');
    assert.ok(!again.coverage!.gaps.some((g) => g.reason === 'no_activity_data'));
  });

  test('owners known only by name (an import of names no known owner matched) roll up by name', async () => {
    const ws = await newWorkspace('owner names');
    await bulkUpsert(t.db, ENTITY_TABLES.deals, ws, [
      deal('n1', { owner_email: null, owner_name: 'Ellen Park', close_date: '2026-05-20', probability: 80 }),
      deal('n2', { owner_email: null, owner_name: 'Ellen Park', close_date: '2026-06-20', probability: 80 }),
      deal('n3', { owner_email: null, owner_name: 'Priya Raman', close_date: '2026-06-01', probability: 80 }),
      deal('e1', { close_date: '2026-06-01', probability: 80 }),
      deal('none', { owner_email: null, owner_name: '  ', close_date: '2026-06-01', probability: 80 }),
    ]);
    const forecast = await run<ForecastFacts>(ws, 'forecast');
    assert.deepEqual(forecast.facts.reps.map((r) => [r.rep, r.open_deals]).sort(), [
      ['(no owner)', 1],
      ['Ellen Park', 2],
      ['Priya Raman', 1],
      ['ana@us.test', 1],
    ]);
    const noOwner = forecast.coverage!.gaps.find((g) => g.reason === 'no_owner')!;
    assert.deepEqual([noOwner.count, noOwner.of], [1, 5]);
    const hygiene = await run<HygieneFacts>(ws, 'pipeline-hygiene');
    assert.ok(hygiene.facts.reps.some((r) => r.rep === 'Ellen Park' && r.open_deals === 2));
    const audit = await run<AuditFacts>(ws, 'data-quality-audit');
    const deals = audit.facts.completeness.find((c) => c.entity === 'deals')!;
    assert.equal(deals.fields.owner, 0.8);
  });

  test('data-quality-audit: headline counts match the findings; complete fields are never "least complete"; near-duplicates', async () => {
    const ws = await newWorkspace('dq');
    const industries = [
      ...Array(6).fill('Software'),
      ...Array(2).fill('software'),
      'Sofware',
      ...Array(3).fill('Retail'),
    ];
    await bulkUpsert(
      t.db,
      ENTITY_TABLES.accounts,
      ws,
      industries.map((industry, i) => ({
        source: 'csv',
        source_id: `a${i}`,
        name: `Account ${i}`,
        industry,
        domain: i < 5 ? `a${i}.test` : null,
      })),
    );
    const result = await run<AuditFacts>(ws, 'data-quality-audit');
    const weak = result.findings.filter((f) => f.kind === 'incomplete_field');
    assert.equal(weak.length, 3); // domain 41%, employee_count and owner empty
    assert.match(result.narrative!.headline, new RegExp(`^${weak.length} weak fields`));
    const least = result.narrative!.summary.match(/Least complete: ([^.]*)\./)![1]!;
    assert.doesNotMatch(least, /accounts\.name|accounts\.industry|100%/);
    const cluster = result.facts.near_duplicate_values.find((c) => c.field === 'industry')!;
    assert.equal(cluster.merge_into, 'Software');
    assert.deepEqual(cluster.values, [
      { value: 'Software', count: 6 },
      { value: 'software', count: 2 },
      { value: 'Sofware', count: 1 },
    ]);
    assert.equal(cluster.records_to_fix, 3);
    const finding = result.findings.find((f) => f.kind === 'near_duplicate_values')!;
    assert.match(
      finding.title,
      /"software" \(2\), "Sofware" \(1\) look like "Software" \(6\): merge into "Software"/,
    );
    assert.match(result.narrative!.headline, /1 near-duplicate value group/);
  });

  test('custom-field-discovery unifies fields across sources and judges them only with enough support', async () => {
    const ws = await newWorkspace('cfd');
    const closed = Array.from({ length: 40 }, (_, i) => {
      const good = i % 2 === 0;
      // Good-fit deals win 18 of 20, the others 4 of 20; ten accounts behind each group.
      const won = good ? i % 20 !== 0 : i % 10 === 1;
      const hubspot = i < 20;
      return {
        ...deal(`c${i}`, {
          stage_normalized: won ? 'closed_won' : 'closed_lost',
          is_closed: true,
          is_won: won,
        }),
        source: hubspot ? 'hubspot' : 'salesforce',
        custom_fields: hubspot
          ? { budget_status: good ? 'approved' : 'none', technical_fit_score: good ? 8 : 3 }
          : { Budget_Status__c: good ? 'approved' : 'none', Technical_Fit_Score__c: good ? 9 : 2 },
      };
    });
    // A lift that rests on one account: every "platinum" deal is the same customer's.
    const accounts = Array.from({ length: 11 }, (_, i) => ({
      source: 'csv',
      source_id: `acc${i}`,
      name: `A${i}`,
    }));
    await bulkUpsert(t.db, ENTITY_TABLES.accounts, ws, accounts);
    const { rows } = await t.db.query<{ id: string; source_id: string }>(
      'SELECT id, source_id FROM accounts WHERE workspace_id = $1::uuid ORDER BY source_id',
      [ws],
    );
    const acc = Object.fromEntries(rows.map((r) => [r.source_id, r.id]));
    await bulkUpsert(
      t.db,
      ENTITY_TABLES.deals,
      ws,
      closed.map((d, i) => ({
        ...d,
        account_id: acc[i < 3 ? 'acc10' : `acc${i % 10}`],
        custom_fields: { ...d.custom_fields, ...(i < 3 ? { plan: 'platinum' } : { plan: 'basic' }) },
      })),
    );
    const result = await run<DiscoveryFacts>(ws, 'custom-field-discovery', {});
    const budget = result.facts.fields.filter((f) => f.field.toLowerCase().startsWith('budget'));
    assert.equal(budget.length, 1, 'one field under both names');
    assert.deepEqual(budget[0]!.source_names, ['Budget_Status__c', 'budget_status']);
    assert.equal(budget[0]!.fill_rate, 1);
    assert.equal(budget[0]!.verdict, 'signal');
    assert.deepEqual(budget[0]!.support, { deals: 20, accounts: 6 });
    assert.ok((budget[0]!.significance as { p_value: number }).p_value < 0.001);
    const fit = result.facts.fields.filter((f) => /technical/i.test(f.field));
    assert.equal(fit.length, 1);
    assert.equal(fit[0]!.significance?.test, 'correlation_95ci');
    const candidate = result.findings.find((f) => f.kind === 'icp_candidate' && /budget/i.test(f.title))!;
    assert.match(candidate.title, /\(20 deals, 6 accounts; Fisher p < 0\.001; filled 100%\)/);
    const plan = result.facts.fields.find((f) => f.field === 'plan')!;
    assert.equal(plan.verdict, 'no_signal'); // "basic" is supported and says nothing; "platinum" is not
    const thin = await run<DiscoveryFacts>(ws, 'custom-field-discovery', { min_deals: 3, min_accounts: 3 });
    const planThin = thin.facts.fields.find((f) => f.field === 'plan')!;
    assert.equal(planThin.best_value, 'basic'); // "platinum" rests on one account: never the verdict
    assert.equal(planThin.support!.accounts, 10);
  });
});
