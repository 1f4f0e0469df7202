import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runComputedFields } from '../../src/compute/compute-engine.ts';
import '../../src/compute/compute-post-sync-step.ts';
import { createLogger } from '../../src/logger.ts';
import { postSyncSteps } from '../../src/sync/post-sync-steps.ts';
import { DEFAULT_SCORING } from '../../src/compute/scoring-config.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { putContextSections } from '../../src/workspaces/context-layer.ts';
import { AS_OF, type Fixture, seedFixture } from '../helpers/intelligence-fixture.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';

interface DealScores {
  deal_risk: number | null;
  deal_risk_reasons: Array<Record<string, any>> | null;
  velocity_score: number | null;
  velocity_reasons: Record<string, any> | null;
  engagement_score: number;
  engagement_reasons: Array<Record<string, any>>;
}

let t: TestDb;
let f: Fixture;

async function deal(key: string): Promise<DealScores> {
  const { rows } = await t.db.query<DealScores>(
    `SELECT deal_risk, deal_risk_reasons, velocity_score, velocity_reasons, engagement_score, engagement_reasons
     FROM deals WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [f.workspaceId, f.ids[`deal:${key}`]!],
  );
  return rows[0]!;
}
const rules = (d: DealScores) => (d.deal_risk_reasons ?? []).map((r) => r.rule).sort();

describe('computed fields engine', () => {
  before(async () => {
    t = await createTestDb();
    f = await seedFixture(t.db);
  });
  after(() => t.close());

  test('a first run scores every deal and account', async () => {
    const r = await runComputedFields(t.db, f.workspaceId, { asOf: AS_OF });
    assert.equal(r.deals_updated, 8);
    assert.equal(r.accounts_updated, 3);
    assert.equal(r.config_version, 1);
  });

  test('the risky deal fires its rules with evidence, and its risk is the sum of their points', async () => {
    const d = await deal('risky');
    assert.deepEqual(rules(d), [
      'close_date_past',
      'close_date_slipped',
      'no_next_step',
      'no_recent_activity',
      'single_threaded',
      'stage_regression',
      'stuck_in_stage',
    ]);
    const w = DEFAULT_SCORING.risk_weights;
    const expected =
      w.close_date_past +
      w.close_date_slipped +
      w.no_next_step +
      w.no_recent_activity +
      w.single_threaded +
      w.stage_regression +
      w.stuck_in_stage;
    assert.equal(d.deal_risk, Math.min(100, expected));
    const byRule = Object.fromEntries(d.deal_risk_reasons!.map((r) => [r.rule, r]));
    assert.equal(byRule.close_date_past.days_past, 10);
    assert.equal(byRule.close_date_slipped.slips, 3);
    assert.equal(byRule.no_recent_activity.last_touch.kind, 'activity');
    assert.equal(byRule.single_threaded.contact_ids[0], f.ids['contact:gx']);
    assert.match(byRule.stage_regression.stage_history_id, /^[0-9a-f-]{36}$/);
    // Won deals spent 9–12 days in evaluation: p75 is the threshold, learned from the workspace.
    assert.equal(byRule.stuck_in_stage.basis, 'won_deals_percentile');
    assert.ok(byRule.stuck_in_stage.threshold_days > 9 && byRule.stuck_in_stage.threshold_days < 12.1);
  });

  test('the healthy deal has no risk, a faster velocity and more engagement', async () => {
    const healthy = await deal('healthy');
    const risky = await deal('risky');
    assert.equal(healthy.deal_risk, 0);
    assert.deepEqual(healthy.deal_risk_reasons, []);
    assert.ok(healthy.velocity_score! > risky.velocity_score!);
    assert.equal(healthy.velocity_reasons!.stage_basis, 'won_deals_stage');
    assert.ok(healthy.engagement_score > risky.engagement_score);
    const touches = healthy.engagement_reasons.find((r) => r.rule === 'recent_touches')!;
    assert.deepEqual([touches.activities, touches.calls, touches.conversations], [1, 1, 1]);
    assert.equal(touches.last_touch.kind, 'activity');
    const people = healthy.engagement_reasons.find((r) => r.rule === 'participants')!;
    assert.equal(people.senior, 1);
  });

  test('closed deals carry no risk or velocity', async () => {
    const won = await deal('won1');
    assert.equal(won.deal_risk, null);
    assert.equal(won.velocity_score, null);
  });

  test('accounts get engagement and health with reasons', async () => {
    const { rows } = await t.db.query<{
      id: string;
      health_score: number;
      health_reasons: any;
      engagement_score: number;
    }>(
      'SELECT id, health_score, health_reasons, engagement_score FROM accounts WHERE workspace_id = $1::uuid',
      [f.workspaceId],
    );
    const acme = rows.find((r) => r.id === f.ids['account:acme'])!;
    const globex = rows.find((r) => r.id === f.ids['account:globex'])!;
    assert.ok(acme.health_score > globex.health_score);
    assert.ok(acme.engagement_score > globex.engagement_score);
    const risk = globex.health_reasons.components.find((c: any) => c.rule === 'open_deal_risk');
    assert.equal(risk.riskiest_deal_id, f.ids['deal:risky']);
  });

  test('a second run on the same data writes nothing', async () => {
    const r = await runComputedFields(t.db, f.workspaceId, { asOf: AS_OF });
    assert.equal(r.deals_updated, 0);
    assert.equal(r.accounts_updated, 0);
  });

  test('an amount change fires amount_changed and rewrites only what changed', async () => {
    await t.db.query(`UPDATE deals SET amount = 20000 WHERE workspace_id = $1::uuid AND id = $2::uuid`, [
      f.workspaceId,
      f.ids['deal:risky']!,
    ]);
    const r = await runComputedFields(t.db, f.workspaceId, { asOf: AS_OF });
    assert.equal(r.deals_updated, 1);
    const byRule = Object.fromEntries((await deal('risky')).deal_risk_reasons!.map((x) => [x.rule, x]));
    assert.equal(byRule.amount_changed.from, 50000);
    assert.equal(byRule.amount_changed.to, 20000);
  });

  test('context-layer overrides change weights; unknown keys are reported, not applied', async () => {
    await withWorkspace(t.db, f.workspaceId, (tx) =>
      putContextSections(tx, f.workspaceId, {
        definitions: {
          scoring: { risk_weights: { no_next_step: 0, bogus: 5 }, risk_thresholds: { inactive_days: 365 } },
        },
      }),
    );
    const r = await runComputedFields(t.db, f.workspaceId, { asOf: AS_OF });
    assert.deepEqual(r.overridden.sort(), ['risk_thresholds.inactive_days', 'risk_weights.no_next_step']);
    assert.deepEqual(r.ignored_overrides, ['risk_weights.bogus']);
    const d = await deal('risky');
    assert.ok(!rules(d).includes('no_recent_activity'));
    assert.equal(d.deal_risk_reasons!.find((x) => x.rule === 'no_next_step')!.points, 0);
  });

  test('runs as the post-sync step after stage normalisation', async () => {
    const steps = postSyncSteps(['deals']);
    const names = steps.map((s) => s.name);
    assert.ok(names.indexOf('computed-fields') > names.indexOf('stage-normalisation'));
    const step = steps.find((s) => s.name === 'computed-fields')!;
    const summary = await step.run({
      db: t.db,
      log: createLogger('silent'),
      workspaceId: f.workspaceId,
      connectorName: 'hubspot',
      syncLogId: '00000000-0000-0000-0000-000000000000',
      changed: new Set(['deals'] as const),
    });
    assert.ok(summary && 'deals_updated' in summary);
  });
});
