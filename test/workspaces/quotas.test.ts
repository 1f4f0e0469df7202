import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { putContextSections } from '../../src/workspaces/context-layer.ts';
import {
  calendarPeriod,
  checkQuotaConfig,
  createQuotaPeriod,
  setRepQuota,
} from '../../src/workspaces/quotas.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';

test('calendar periods honour the fiscal year start', () => {
  assert.deepEqual(calendarPeriod('2026-05-15', 'quarter', 1), {
    start_date: '2026-04-01',
    end_date: '2026-06-30',
  });
  assert.deepEqual(calendarPeriod('2026-01-10', 'quarter', 2), {
    start_date: '2025-11-01',
    end_date: '2026-01-31',
  });
  assert.deepEqual(calendarPeriod('2026-02-10', 'year', 7), {
    start_date: '2025-07-01',
    end_date: '2026-06-30',
  });
  assert.deepEqual(calendarPeriod('2024-02-10', 'month', 1), {
    start_date: '2024-02-01',
    end_date: '2024-02-29',
  });
});

describe('checkQuotaConfig', () => {
  let t: TestDb;
  let ws: string;
  before(async () => {
    t = await createTestDb();
    ws = (await t.db.transaction((tx) => createWorkspace(tx, { name: 'Q' }))).id;
  });
  after(() => t.close());

  test('no period and no goals: says so', async () => {
    assert.deepEqual(await checkQuotaConfig(t.db, ws, '2026-02-01'), {
      source: 'none',
      period: null,
      team_quota: null,
      rep_quotas: [],
    });
  });

  test('falls back to the context layer goals when no period covers the date', async () => {
    await putContextSections(t.db, ws, {
      goals_and_targets: {
        fiscal_year_start_month: 2,
        quarterly_quota: 1_200_000,
        rep_quotas: [
          { rep_email: 'ann@acme.com', quota_amount: 400_000, period: 'quarter' },
          { rep_email: 'bob@acme.com', quota_amount: 1_000_000, period: 'year' },
        ],
      },
    });
    const cfg = await checkQuotaConfig(t.db, ws, '2026-03-15');
    assert.equal(cfg.source, 'context_layer');
    assert.deepEqual(cfg.period, {
      period_type: 'quarter',
      start_date: '2026-02-01',
      end_date: '2026-04-30',
    });
    assert.equal(cfg.team_quota, 1_200_000);
    assert.deepEqual(cfg.rep_quotas, [{ rep_email: 'ann@acme.com', quota_amount: 400_000 }]);
  });

  test('a date-bounded period wins, the narrowest when periods overlap', async () => {
    const year = await createQuotaPeriod(t.db, ws, {
      name: 'FY26',
      period_type: 'year',
      start_date: '2026-01-01',
      end_date: '2026-12-31',
      team_quota: 5_000_000,
    });
    const march = await createQuotaPeriod(t.db, ws, {
      name: 'Mar 26',
      period_type: 'month',
      start_date: '2026-03-01',
      end_date: '2026-03-31',
      team_quota: 400_000,
    });
    await setRepQuota(t.db, ws, march.id, { rep_email: 'ann@acme.com', quota_amount: 150_000 });
    const inMarch = await checkQuotaConfig(t.db, ws, '2026-03-15');
    assert.equal(inMarch.source, 'quota_period');
    assert.equal(inMarch.source === 'quota_period' && inMarch.period.name, 'Mar 26');
    assert.deepEqual(inMarch.rep_quotas, [{ rep_email: 'ann@acme.com', quota_amount: 150_000 }]);
    const inJune = await checkQuotaConfig(t.db, ws, '2026-06-01');
    assert.equal(inJune.period && 'id' in inJune.period ? inJune.period.id : null, year.id);
    assert.equal(inJune.team_quota, 5_000_000);
    // Boundaries are inclusive.
    const lastDay = await checkQuotaConfig(t.db, ws, '2026-03-31');
    assert.equal(lastDay.source === 'quota_period' && lastDay.period.name, 'Mar 26');
    assert.equal((await checkQuotaConfig(t.db, ws, '2027-01-01')).source, 'context_layer');
  });
});
