import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  blockLimitProblems,
  escapeMrkdwn,
  fields,
  packMessages,
  section,
} from '../../src/outputs/slack/block-kit.ts';
import { formatSkillRunForSlack } from '../../src/outputs/slack/skill-formatters.ts';
import type { SkillRun } from '../../src/skills/skill-runs.ts';

// Text of every size, including the characters mrkdwn gives meaning to and astral-plane characters.
const text = (max: number) =>
  fc.oneof(
    fc.string({ maxLength: max }),
    fc.string({ unit: 'grapheme', maxLength: max }),
    fc.constantFrom('', '&<>', '<!channel>'),
  );
const money = fc.oneof(fc.double({ min: -1e12, max: 1e12, noNaN: true }), fc.constant(0));
const count = fc.nat({ max: 1_000_000 });
const finding = fc.record({
  kind: text(20),
  severity: fc.constantFrom('high', 'medium', 'low', 'info'),
  title: text(5000),
  evidence: fc.dictionary(fc.constantFrom('deals', 'accounts'), fc.array(fc.uuid(), { maxLength: 5 })),
});
const coverage = fc.record({
  population: fc.record({ what: text(30), count }),
  gaps: fc.array(
    fc.record({
      reason: fc.constantFrom('no_close_date', 'no_amount', 'no_owner', 'no_rate'),
      count,
      material: fc.boolean(),
      sample_ids: fc.constant([]),
    }),
    { maxLength: 12 },
  ),
});
const narrative = fc.record({
  headline: text(400),
  summary: text(6000),
  actions: fc.array(text(600), { maxLength: 12 }),
  provider: fc.constantFrom('offline', 'anthropic'),
  model: text(40),
  notes: fc.constant([]),
});
const rankedDeal = fc.record({
  id: fc.uuid(),
  name: fc.option(text(300)),
  rep: fc.option(text(100)),
  amount: fc.option(money),
  currency: fc.constant('USD'),
  amount_base: money,
  stage: fc.constant('evaluation'),
  close_date: fc.constant(null),
  probability: fc.double({ min: 0, max: 1, noNaN: true }),
  lowered_by: fc.double({ min: 0, max: 1, noNaN: true }),
  impact: money,
  issues: fc.constant([]),
  action: text(800),
});
const repRow = fc.record({
  rep: text(200),
  closed_won: money,
  commit: money,
  best_case: money,
  pipeline: money,
  weighted: money,
  open_deals: count,
  quota: fc.option(money),
  attainment: fc.option(fc.double({ noNaN: true, min: 0, max: 10 })),
  coverage: fc.option(fc.double({ noNaN: true, min: 0, max: 50 })),
  deal_ids: fc.constant([]),
});

const factsBySkill = {
  'pipeline-hygiene': fc.record({
    currency: fc.constant('EUR'),
    open_deals: count,
    flagged_deals: count,
    expected_value: money,
    expected_impact: money,
    top_deals: fc.array(rankedDeal, { maxLength: 40 }),
  }),
  forecast: fc.record({
    currency: fc.constant('USD'),
    period: fc.record({
      name: fc.constant(null),
      start_date: fc.constant('2025-04-01'),
      end_date: fc.constant('2025-06-30'),
    }),
    team: fc.record({
      closed_won: money,
      commit: money,
      best_case: money,
      pipeline: money,
      weighted: money,
      open_deals: count,
      quota: fc.option(money),
      attainment: fc.option(fc.double({ noNaN: true, min: 0, max: 10 })),
      coverage: fc.option(fc.double({ noNaN: true, min: 0, max: 50 })),
      coverage_target: fc.constant(3),
    }),
    reps: fc.array(repRow, { maxLength: 60 }),
    commit_at_risk: fc.record({ amount: money, deals: fc.array(fc.constant({}), { maxLength: 5 }) }),
  }),
  'data-quality-audit': fc.record({
    duplicates: fc.record({ accounts: fc.record({ groups: count }), contacts: fc.record({ groups: count }) }),
    orphans: fc.record({ contacts_without_account: count, deals_without_account: count }),
    unlinked_conversations: fc.record({ total: count }),
    near_duplicate_values: fc.array(
      fc.record({
        entity: text(20),
        field: text(60),
        merge_into: text(200),
        values: fc.array(fc.record({ value: text(300), count }), { maxLength: 30 }),
      }),
      { maxLength: 30 },
    ),
  }),
  'custom-field-discovery': fc.record({
    fields: fc.array(
      fc.record({
        entity: text(20),
        field: text(200),
        fill_rate: fc.double({ min: 0, max: 1, noNaN: true }),
        score: fc.double({ min: -1, max: 1, noNaN: true }),
        best_value: fc.option(text(300)),
      }),
      { maxLength: 40 },
    ),
  }),
} as const;

const run = fc
  .constantFrom(...(Object.keys(factsBySkill) as Array<keyof typeof factsBySkill>))
  .chain((skill) =>
    fc.record({
      skill: fc.constant(skill),
      status: fc.constantFrom('succeeded', 'succeeded', 'succeeded', 'failed'),
      error: fc.option(text(5000)),
      facts: factsBySkill[skill] as fc.Arbitrary<unknown>,
      findings: fc.array(finding, { maxLength: 150 }),
      narrative: fc.option(narrative),
      coverage: fc.option(coverage),
    }),
  )
  .map(
    (r): SkillRun => ({
      id: '00000000-0000-4000-8000-000000000001',
      skill_id: r.skill,
      status: r.status as SkillRun['status'],
      trigger: 'api',
      inputs: {},
      phase_timings: {},
      tokens: {},
      progress: {},
      deliveries: {},
      result: {
        skill_id: r.skill,
        as_of: '2025-06-30',
        facts: r.facts,
        findings: r.findings,
        ...(r.narrative ? { narrative: r.narrative } : {}),
        ...(r.coverage ? { coverage: r.coverage } : {}),
      },
      error: r.error,
      created_at: '2025-06-30T00:00:00.000Z',
      started_at: null,
      finished_at: null,
    }),
  );

test('every formatter keeps every message within Block Kit limits, whatever the result holds', () => {
  fc.assert(
    fc.property(run, (r) => {
      const messages = formatSkillRunForSlack(r, 'https://pandora.example/api/x?a=1|b>');
      assert.ok(messages.length >= 1);
      for (const m of messages) assert.deepEqual(blockLimitProblems(m), [], JSON.stringify(m).slice(0, 400));
      // Nothing is lost silently: every finding up to the listed maximum appears once across the thread.
      if (r.status === 'succeeded') {
        const all = JSON.stringify(messages);
        const findings = (r.result as { findings: unknown[] }).findings.length;
        if (findings > 0) assert.ok(all.includes(`Findings (${findings})`));
      }
    }),
    { seed: 20261205, numRuns: 300 },
  );
});

test('long results continue in further messages, each marked as a continuation', () => {
  const blocks = Array.from({ length: 130 }, (_, i) => section(`finding ${i} ${'x'.repeat(200)}`));
  const messages = packMessages('headline', blocks);
  assert.ok(messages.length >= 3);
  assert.equal(messages.flatMap((m) => m.blocks).filter((b) => b.type === 'section').length, 130);
  for (const m of messages.slice(1)) assert.match(JSON.stringify(m.blocks[0]), /continued/);
  for (const m of messages) assert.deepEqual(blockLimitProblems(m), []);
});

test('data in mrkdwn is escaped: &, < and > only, & first', () => {
  assert.equal(escapeMrkdwn('AT&T <!channel> > 2'), 'AT&amp;T &lt;!channel&gt; &gt; 2');
  const [block] = fields([['<b>', 'R&D']]);
  assert.equal((block as any).fields[0].text, '*&lt;b&gt;*\nR&amp;D');
});
