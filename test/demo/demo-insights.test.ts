import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import type { Logger } from '../../src/logger.ts';
import { formatDemoReport } from '../../src/demo/demo-report.ts';
import { type DemoSummary, ensureDemoWorkspace } from '../../src/demo/demo-workspace.ts';
import { registerInsightsPostSyncStep } from '../../src/insights/insights-post-sync-step.ts';
import { normaliseWhitespace } from '../../src/insights/quote-verification.ts';
import { unregisterPostSyncStep } from '../../src/sync/post-sync-steps.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

// The demo's recorded calls arrive with their transcripts, so the post-sync chain extracts deal insights
// offline, without a recorder connection, and nothing in the log says an extraction failed.
describe('demo deal insights', () => {
  let app: TestApp;
  let demo: DemoSummary;
  let log: Logger;
  const logLines: Array<{ level: number; msg: string; [k: string]: unknown }> = [];
  before(async () => {
    log = pino<never>({ level: 'info' }, { write: (line: string) => logLines.push(JSON.parse(line)) });
    app = await startTestApp({}, { log });
    // As the server process does before it builds the demo.
    registerInsightsPostSyncStep(app.deps);
    demo = await ensureDemoWorkspace(app.deps, { deals: 150 });
  });
  after(async () => {
    unregisterPostSyncStep('deal-insights');
    await app.close();
  });

  test('calls linked to deals carry a fetched transcript whose speakers are the call’s participants', async () => {
    const { rows } = await app.db.query<{
      status: string;
      fetched: boolean;
      speakers: string[];
      participants: string[];
    }>(
      `SELECT transcript_status AS status, transcript_fetched_at IS NOT NULL AS fetched,
         ARRAY(SELECT DISTINCT s->>'speaker_id' FROM jsonb_array_elements(coalesce(transcript->'segments', '[]')) s) AS speakers,
         ARRAY(SELECT p->>'speaker_id' FROM jsonb_array_elements(participants) p) AS participants
       FROM conversations WHERE workspace_id = $1::uuid AND deal_id IS NOT NULL AND is_internal IS NOT TRUE`,
      [demo.workspaceId],
    );
    assert.ok(rows.length > 50, `${rows.length} linked calls`);
    for (const r of rows) {
      assert.equal(r.status, 'fetched');
      assert.ok(r.fetched);
      assert.ok(r.speakers.length >= 2);
      for (const s of r.speakers) assert.ok(r.participants.includes(s), `speaker ${s} is a participant`);
    }
  });

  test('every linked external call was extracted offline; insights sit on the call’s deal with verbatim quotes', async () => {
    const ex = await app.db.query<{ status: string; n: number }>(
      `SELECT e.status, count(*)::int AS n FROM conversations c
       LEFT JOIN insight_extractions e ON e.workspace_id = c.workspace_id AND e.conversation_id = c.id
       WHERE c.workspace_id = $1::uuid AND c.deal_id IS NOT NULL AND c.is_internal IS NOT TRUE AND c.is_tracked
       GROUP BY e.status`,
      [demo.workspaceId],
    );
    assert.deepEqual(
      ex.rows.map((r) => r.status),
      ['extracted'],
      JSON.stringify(ex.rows),
    );
    const { rows } = await app.db.query<{
      insight_type: string;
      extractor: string;
      quote: string;
      segment: string | null;
      on_call_deal: boolean;
    }>(
      `SELECT i.insight_type, i.extractor, i.quote, c.transcript->'segments'->i.segment_index->>'text' AS segment,
         i.deal_id = c.deal_id AS on_call_deal
       FROM deal_insights i JOIN conversations c ON c.workspace_id = i.workspace_id AND c.id = i.conversation_id
       WHERE i.workspace_id = $1::uuid AND i.is_current`,
      [demo.workspaceId],
    );
    assert.ok(rows.length > 100, `${rows.length} insights`);
    const types = new Set(rows.map((r) => r.insight_type));
    for (const t of ['competitors', 'budget', 'timeline', 'stakeholders', 'objections', 'next_steps'])
      assert.ok(types.has(t), `an insight of type ${t}`);
    for (const r of rows) {
      assert.equal(r.extractor, 'offline-rules');
      assert.ok(r.on_call_deal);
      assert.ok(normaliseWhitespace(r.segment ?? '').includes(r.quote), r.quote);
    }
    // Injected instructions in the transcripts never become insights.
    assert.ok(!rows.some((r) => /Acme Corp|Zendesk|10,000,000/.test(r.quote)));
  });

  test('the deal scores cite insight rows, and the start report counts them', async () => {
    const cited = await app.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM deals d, jsonb_array_elements(d.deal_risk_reasons) r
       WHERE d.workspace_id = $1::uuid AND r ? 'insight_id'
         AND EXISTS (SELECT 1 FROM deal_insights i WHERE i.workspace_id = d.workspace_id
                       AND i.id = (r->>'insight_id')::uuid AND i.deal_id = d.id)`,
      [demo.workspaceId],
    );
    assert.ok(cited.rows[0]!.n > 0, 'deal_risk reasons cite insights of their own deal');
    const counts = await app.db.query<{ current: number; calls: number; deals: number }>(
      `SELECT count(*)::int AS current, count(DISTINCT conversation_id)::int AS calls,
         count(DISTINCT deal_id)::int AS deals
       FROM deal_insights WHERE workspace_id = $1::uuid AND is_current`,
      [demo.workspaceId],
    );
    const c = counts.rows[0]!;
    const report = formatDemoReport('http://demo.test', demo);
    assert.ok(
      report.includes(
        `Deal insights: ${c.current} from ${c.calls} call transcripts on ${c.deals} deals (offline-rules@1)`,
      ),
      report,
    );
    assert.ok(report.includes(`/deals/${demo.facts.insights.example_deal_id}/insights`), report);
  });

  test('no extraction failed and nothing was skipped: the log has no warning from the insight step', async () => {
    // The chain ran the step with the captured logger, and the step extracted what it found.
    assert.equal(app.deps.log, log);
    const { rows } = await app.db.query<{ step: { status: string; summary: Record<string, number> } }>(
      `SELECT s AS step FROM sync_log l, jsonb_array_elements(l.progress->'post_sync') s
       WHERE l.workspace_id = $1::uuid AND l.connector_name = 'synthetic' AND s->>'name' = 'deal-insights'`,
      [demo.workspaceId],
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.step.status, 'succeeded');
    assert.ok((rows[0]!.step.summary.extracted ?? 0) > 50, JSON.stringify(rows[0]!.step));
    assert.deepEqual(
      logLines.filter((l) => /insight extraction/.test(l.msg)),
      [],
    );
    assert.deepEqual(
      logLines.filter((l) => l.level >= 40).map((l) => l.msg),
      [],
    );
  });
});
