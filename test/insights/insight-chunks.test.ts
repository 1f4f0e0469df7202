import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createCredentialVault } from '../../src/connectors/credential-vault.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { extractInsights } from '../../src/insights/extract-insights.ts';
import { dealInsightHistory } from '../../src/insights/insight-store.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDb, type TestDb } from '../helpers/test-db.ts';
import { addCall, seedInsightWorld, transcriptOf } from './insight-seed.ts';

let t: TestDb;
const deps = () => ({
  db: t.db,
  config: loadConfig({}),
  vault: createCredentialVault(randomBytes(32)),
  log: createLogger('silent'),
});

describe('offline extraction of many calls in one chunk', () => {
  before(async () => {
    t = await createTestDb();
  });
  after(async () => {
    await t.close();
  });

  test('calls of one deal stored together: the newest call wins, older rows point at it, every call is recorded; calls needing their source are left pending', async () => {
    const w = await seedInsightWorld(t.db);
    const ws = w.workspaceId;
    const call = (sourceId: string, day: string, line: string, dealId = w.dealId) =>
      addCall(t.db, ws, {
        sourceId,
        dealId,
        startedAt: `2025-05-${day}T15:00:00Z`,
        transcript: transcriptOf([
          ['b', line],
          ['b', 'We are also evaluating Clari for this.'],
        ]),
      });
    const ids = {
      early: await call('k1', '01', 'Our budget for this is 120k.'),
      latest: await call('k3', '20', 'Finance approved $90,000 for the rollout.'),
      middle: await call('k2', '10', 'Our budget for this is 150k.'),
      other: await call('k4', '05', 'Our budget for this is 40k.', w.otherDealId),
    };
    await addCall(t.db, ws, {
      sourceId: 'k5',
      dealId: w.dealId,
      startedAt: '2025-05-25T15:00:00Z',
      transcript: null,
    });

    const first = await extractInsights(deps(), ws, { kind: 'pending' });
    assert.equal(first.conversations, 5);
    assert.equal(first.extracted, 4);
    assert.equal(first.insights_written, 8);
    assert.deepEqual(first.skipped_no_source, { gong: 1 });
    assert.equal(first.failed, 0);

    const history = await withWorkspace(t.db, ws, (tx) =>
      dealInsightHistory(tx, ws, w.dealId, { limit: 100 }),
    );
    const budgets = history.filter((h) => h.insight_type === 'budget');
    const newest = budgets.find((b) => b.conversation_id === ids.latest)!;
    assert.equal(newest.value.amount, 90000);
    assert.equal(newest.is_current, true);
    for (const old of budgets.filter((b) => b !== newest)) {
      assert.equal(old.is_current, false);
      assert.equal(old.superseded_by, newest.id);
    }
    // The same competitor said on every call: only the newest call's statement stays current.
    const clari = history.filter((h) => h.insight_type === 'competitors');
    assert.equal(clari.length, 3);
    assert.deepEqual(
      clari.filter((c) => c.is_current).map((c) => c.conversation_id),
      [ids.latest],
    );
    // The other deal's call is not touched by this deal's supersession.
    const other = await withWorkspace(t.db, ws, (tx) =>
      dealInsightHistory(tx, ws, w.otherDealId, { limit: 100 }),
    );
    assert.equal(other.length, 2);
    assert.ok(other.every((o) => o.is_current));

    const records = await withWorkspace(t.db, ws, async (tx) => {
      const { rows } = await tx.query<{ conversation_id: string; insights_written: number; status: string }>(
        `SELECT conversation_id, insights_written, status FROM insight_extractions WHERE workspace_id = $1`,
        [ws],
      );
      return rows;
    });
    assert.equal(records.length, 4);
    assert.ok(records.every((r) => r.status === 'extracted' && r.insights_written === 2));

    const second = await extractInsights(deps(), ws, { kind: 'pending' });
    assert.equal(second.extracted, 0);
    assert.equal(second.insights_written, 0);
    assert.equal(second.input_tokens + second.output_tokens, 0);
  });
});
