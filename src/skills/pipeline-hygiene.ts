/**
 * pipeline-hygiene: open deals ranked by expected impact in the base currency (amount × stage
 * probability × how much their hygiene issues lower it), so a sales leader sees the few deals worth
 * acting on, each with one action and the evidence behind it. The issues come from the computed fields
 * (deal_risk_reasons), the deal itself, and its calls' insights (the latest call named a competitor or
 * raised a budget objection and ended with no next step, citing the insight rows); the thresholds are the
 * workspace's scoring config.
 */
import { z } from 'zod';
import type { Queryable } from '../db/db.ts';
import { baseCurrency } from '../money/exchange-rates.ts';
import { CALL_RISK_CTE, type CallRiskEvidence } from './deal-insight-signals.ts';
import { type Coverage, coverage, dealGaps, gap, unlinkedCallCount } from './skill-coverage.ts';
import { money } from './skill-format.ts';
import { asOfInput } from './skill-inputs.ts';
import { registerSkill } from './skill-registry.ts';
import { hygieneFindings, ISSUE_LABEL } from './hygiene-findings.ts';
import { HYGIENE_ISSUES, type Issue, nextAction, STAGE_PROBABILITY_SQL } from './hygiene-issues.ts';
import { NO_OWNER, ownerSql } from '../entities/record-owner.ts';
import { dealTracking } from '../compute/score-baselines.ts';

export { HYGIENE_ISSUES } from './hygiene-issues.ts';

const inputs = z
  .object({
    as_of: asOfInput.optional(),
    top: z.number().int().min(1).max(100).default(20),
    /**
     * A deal is flagged when its issues put at least this share of its expected value at risk: at 0.5
     * a single mild issue never flags a deal, two serious ones do.
     */
    flag_at: z.number().min(0.05).max(0.95).default(0.5),
  })
  .strict();

interface IssueTotal {
  issue: Issue;
  /** Open deals with the issue at all. */
  deals: number;
  /** Flagged deals whose largest issue this is, and their impact. */
  flagged: number;
  impact: number;
  deal_ids: string[];
}
interface RepRow {
  rep: string;
  open_deals: number;
  flagged: number;
  impact: number;
}
/** An open deal whose latest call carries a risk and no next step, flagged or not. */
export interface CallRiskDeal {
  id: string;
  name: string | null;
  rep: string | null;
  amount_base: number | null;
  impact: number | null;
  evidence: CallRiskEvidence;
}
export interface RankedDeal {
  id: string;
  name: string | null;
  rep: string | null;
  amount: number | null;
  currency: string | null;
  amount_base: number;
  stage: string | null;
  close_date: string | null;
  probability: number;
  /** Share of the expected value the issues take away (0–1). */
  lowered_by: number;
  /** amount_base × probability × lowered_by, in the base currency. */
  impact: number;
  issues: Issue[];
  /** The issue with the largest effect and what to do about it. */
  action: string;
  /** The rule rows behind each issue (days, thresholds, contact ids, last touch). */
  evidence: Record<string, unknown>;
}
export interface HygieneFacts {
  currency: string;
  flag_at: number;
  open_deals: number;
  /** Open deals with an amount in base currency: the ones that can be ranked. */
  sized_deals: number;
  expected_value: number;
  flagged_deals: number;
  expected_impact: number;
  /** Open deals with some issue, flagged or not (the old "needs attention" count). */
  deals_with_any_issue: number;
  computed_fields_present: boolean;
  /** Open deals with no amount, most probable first: they cannot be weighed, so they are listed apart. */
  unsized_deal_ids: string[];
  issues: IssueTotal[];
  reps: RepRow[];
  top_deals: RankedDeal[];
  /** Every open deal with the call_risk issue (up to 50, most impact first), each citing its insight rows. */
  call_risk_deals: CallRiskDeal[];
  coverage: Coverage;
}

// Per open deal: its expected value in base currency and each issue's share of it at risk. The
// shares grow with how far past its threshold a deal is: 0.2 per multiple of the inactivity threshold
// (up to 0.6), 0.15 per multiple of the stage's stuck threshold (up to 0.5), 0.1 plus 0.3 per quarter
// past the close date (up to 0.4); single-threaded 0.15, close date slipped 0.2, no next step 0.1; the
// latest call named a competitor or raised a budget objection and ended with no next step 0.2.
// Issues combine as independent risks: 1 - Π(1 - share).
const SCORED_CTE = /* sql */ `
WITH ${CALL_RISK_CTE},
open AS (
  SELECT d.id, d.name, ${ownerSql('d.')} AS owner, d.amount, d.currency, d.amount_base, d.stage_normalized, d.close_date,
         d.next_step, d.computed_at, coalesce(d.deal_risk_reasons, '[]'::jsonb) AS rr,
         coalesce(d.probability, ${STAGE_PROBABILITY_SQL('d.stage_normalized')})::float8 AS probability,
         cr.conversation_id AS call_id, cr.started_at AS call_started_at,
         coalesce(cr.risk_insights, '[]'::jsonb) AS risk_insights, coalesce(cr.has_next_step, false) AS call_next_step
  FROM deals d LEFT JOIN call_risk cr ON cr.deal_id = d.id
  WHERE d.workspace_id = $1::uuid AND NOT d.is_closed AND d.deleted_at IS NULL
),
rules AS (
  SELECT o.*,
    jsonb_path_query_first(o.rr, '$[*] ? (@.rule == "no_recent_activity")') AS stale_r,
    jsonb_path_query_first(o.rr, '$[*] ? (@.rule == "stuck_in_stage")') AS stuck_r,
    jsonb_path_query_first(o.rr, '$[*] ? (@.rule == "single_threaded")') AS single_r,
    jsonb_path_query_first(o.rr, '$[*] ? (@.rule == "close_date_slipped")') AS slipped_r
  FROM open o
),
shares AS (
  SELECT x.*,
    CASE WHEN x.close_date < $2::date THEN least(0.4, 0.1 + ($2::date - x.close_date) / 90.0 * 0.3) ELSE 0 END AS s_past_close_date,
    CASE WHEN x.stale_r IS NULL THEN 0 ELSE least(0.6, 0.2 * coalesce(
      (x.stale_r->>'days_since_last_touch')::float8 / nullif((x.stale_r->>'threshold_days')::float8, 0), 2)) END AS s_stale,
    CASE WHEN x.stuck_r IS NULL THEN 0 ELSE least(0.5, 0.15 * coalesce(
      (x.stuck_r->>'days_in_stage')::float8 / nullif((x.stuck_r->>'threshold_days')::float8, 0), 2)) END AS s_stuck_in_stage,
    CASE WHEN x.single_r IS NULL THEN 0 ELSE 0.15 END AS s_single_threaded,
    CASE WHEN x.slipped_r IS NULL THEN 0 ELSE 0.2 END AS s_close_date_slipped,
    CASE WHEN coalesce(btrim(x.next_step), '') = '' THEN 0.1 ELSE 0 END AS s_missing_next_step,
    CASE WHEN jsonb_array_length(x.risk_insights) > 0 AND NOT x.call_next_step THEN 0.2 ELSE 0 END AS s_call_risk
  FROM rules x
),
scored AS (
  SELECT s.*,
    1 - (1 - s_past_close_date) * (1 - s_stale) * (1 - s_stuck_in_stage) * (1 - s_single_threaded)
      * (1 - s_close_date_slipped) * (1 - s_missing_next_step) * (1 - s_call_risk) AS lowered_by,
    s.amount_base * s.probability / 100 AS expected
  FROM shares s
),
ranked AS MATERIALIZED (
  SELECT sc.*, sc.expected * sc.lowered_by AS impact,
    array_remove(ARRAY[${HYGIENE_ISSUES.map((i) => `CASE WHEN s_${i} > 0 THEN '${i}' END`).join(', ')}], NULL) AS issue_list,
    (sc.lowered_by >= $3::float8 AND sc.expected IS NOT NULL) AS flagged,
    (ARRAY[${HYGIENE_ISSUES.map((i) => `'${i}'`).join(', ')}])[
      array_position(ARRAY[${HYGIENE_ISSUES.map((i) => `s_${i}`).join(', ')}],
        greatest(${HYGIENE_ISSUES.map((i) => `s_${i}`).join(', ')}))] AS main_issue
  FROM scored sc
)`;

async function computeHygiene(
  tx: Queryable,
  workspaceId: string,
  asOf: string,
  top: number,
  flagAt: number,
): Promise<HygieneFacts> {
  // One statement: the per-deal scoring is computed once (ranked is MATERIALIZED) and read four ways.
  const { rows } = await tx.query<{
    totals: {
      open_deals: number;
      sized_deals: number;
      expected_value: number;
      flagged_deals: number;
      expected_impact: number;
      any_issue: number;
      computed: number;
    };
    issues: IssueTotal[];
    reps: RepRow[];
    deals: Array<Record<string, unknown>>;
    call_risks: Array<Record<string, unknown>>;
  }>(
    `${SCORED_CTE}
     SELECT
       (SELECT to_jsonb(t) FROM (
          SELECT count(*)::int AS open_deals, count(expected)::int AS sized_deals,
            coalesce(sum(expected), 0)::float8 AS expected_value,
            count(*) FILTER (WHERE flagged)::int AS flagged_deals,
            coalesce(sum(impact) FILTER (WHERE flagged), 0)::float8 AS expected_impact,
            count(*) FILTER (WHERE lowered_by > 0)::int AS any_issue,
            count(*) FILTER (WHERE computed_at IS NOT NULL)::int AS computed
          FROM ranked) t) AS totals,
       (SELECT coalesce(jsonb_agg(x), '[]'::jsonb) FROM (
          SELECT i.issue, count(*)::int AS deals,
            count(*) FILTER (WHERE r.flagged AND r.main_issue = i.issue)::int AS flagged,
            coalesce(sum(r.impact) FILTER (WHERE r.flagged AND r.main_issue = i.issue), 0)::float8 AS impact,
            coalesce((array_agg(r.id ORDER BY r.impact DESC NULLS LAST, r.id)
              FILTER (WHERE r.flagged AND r.main_issue = i.issue))[1:20], '{}') AS deal_ids
          FROM ranked r CROSS JOIN LATERAL unnest(r.issue_list) AS i(issue) GROUP BY i.issue) x) AS issues,
       (SELECT coalesce(jsonb_agg(x ORDER BY x.impact DESC, x.rep), '[]'::jsonb) FROM (
          SELECT coalesce(owner, '${NO_OWNER}') AS rep, count(*)::int AS open_deals,
            count(*) FILTER (WHERE flagged)::int AS flagged,
            coalesce(sum(impact) FILTER (WHERE flagged), 0)::float8 AS impact
          FROM ranked GROUP BY 1 ORDER BY impact DESC, rep LIMIT 50) x) AS reps,
       (SELECT coalesce(jsonb_agg(x ORDER BY x.impact DESC, x.id), '[]'::jsonb) FROM (
          SELECT id, name, owner AS rep, amount::float8 AS amount, currency,
            amount_base::float8 AS amount_base, stage_normalized AS stage, close_date::text AS close_date,
            probability, round(lowered_by::numeric, 3)::float8 AS lowered_by,
            round(impact::numeric, 2)::float8 AS impact, main_issue, issue_list,
            stale_r, stuck_r, single_r, slipped_r, ($2::date - close_date) AS days_past_close,
            call_id, call_started_at, risk_insights
          FROM ranked WHERE flagged AND impact > 0 ORDER BY impact DESC, id LIMIT $4::int) x) AS deals,
       (SELECT coalesce(jsonb_agg(x ORDER BY x.impact DESC NULLS LAST, x.id), '[]'::jsonb) FROM (
          SELECT id, name, owner AS rep, amount_base::float8 AS amount_base,
            round(impact::numeric, 2)::float8 AS impact, call_id, call_started_at, risk_insights
          FROM ranked WHERE s_call_risk > 0 ORDER BY impact DESC NULLS LAST, id LIMIT 50) x) AS call_risks`,
    [workspaceId, asOf, flagAt, top],
  );
  const scored = rows[0]!;
  const byIssue = new Map(scored.issues.map((i) => [i.issue, i]));
  const issues = HYGIENE_ISSUES.map(
    (issue) => byIssue.get(issue) ?? { issue, deals: 0, flagged: 0, impact: 0, deal_ids: [] },
  ).sort((a, b) => b.impact - a.impact || b.deals - a.deals || a.issue.localeCompare(b.issue));
  const unsized = await tx.query<{ id: string }>(
    /* sql */ `SELECT id FROM deals WHERE workspace_id = $1::uuid AND NOT is_closed AND deleted_at IS NULL
       AND (amount IS NULL OR amount = 0)
     ORDER BY probability DESC NULLS LAST, id LIMIT 20`,
    [workspaceId],
  );
  const t = scored.totals;
  const gaps = await dealGaps(tx, workspaceId, 'NOT d.is_closed');
  const calls = await unlinkedCallCount(tx, workspaceId);
  const tracking = await dealTracking(tx, workspaceId);
  return {
    currency: await baseCurrency(tx, workspaceId),
    flag_at: flagAt,
    open_deals: t.open_deals,
    sized_deals: t.sized_deals,
    expected_value: t.expected_value,
    flagged_deals: t.flagged_deals,
    expected_impact: t.expected_impact,
    deals_with_any_issue: t.any_issue,
    computed_fields_present: t.open_deals === 0 || t.computed > 0,
    unsized_deal_ids: unsized.rows.map((r) => r.id),
    issues,
    reps: scored.reps,
    top_deals: scored.deals.map((d) => rankedDeal(d)),
    call_risk_deals: scored.call_risks.map((d) => ({
      id: d.id as string,
      name: d.name as string | null,
      rep: d.rep as string | null,
      amount_base: d.amount_base as number | null,
      impact: d.impact as number | null,
      evidence: callRiskEvidence(d),
    })),
    coverage: coverage({ what: 'open deals', count: t.open_deals }, [
      gap('no_amount', gaps.no_amount, gaps.deals, 'not ranked: no expected value to weigh'),
      gap(
        'no_rate',
        gaps.no_rate,
        gaps.deals,
        `not ranked: ${gaps.no_rate_currencies.join('/')} has no rate`,
      ),
      gap('no_owner', gaps.no_owner, gaps.deals, 'ranked, but no rep to act'),
      gap('no_close_date', gaps.no_close_date, gaps.deals, 'past-close-date check skipped'),
      gap(
        'no_activity_data',
        tracking.tracks_touches ? 0 : t.open_deals,
        t.open_deals,
        'staleness not judged: no activity, call or conversation is on any deal',
      ),
      gap(
        'no_contact_data',
        tracking.tracks_people ? 0 : t.open_deals,
        t.open_deals,
        'threading not judged: no contact is on any deal',
      ),
      gap('unlinked_calls', calls.unlinked, calls.total, 'activity and threading rules did not see them', {
        subject: 'external conversations',
      }),
    ]),
  };
}

function callRiskEvidence(row: Record<string, unknown>): CallRiskEvidence {
  return {
    conversation_id: row.call_id as string,
    call_started_at: row.call_started_at ? new Date(row.call_started_at as string).toISOString() : null,
    insights: row.risk_insights as CallRiskEvidence['insights'],
  };
}

function rankedDeal(row: Record<string, unknown>): RankedDeal {
  const issues = row.issue_list as Issue[];
  const evidence: Record<string, unknown> = { deal_id: row.id };
  if (row.stale_r) evidence.stale = row.stale_r;
  if (row.stuck_r) evidence.stuck_in_stage = row.stuck_r;
  if (row.single_r) evidence.single_threaded = row.single_r;
  if (row.slipped_r) evidence.close_date_slipped = row.slipped_r;
  if (issues.includes('past_close_date'))
    evidence.past_close_date = { close_date: row.close_date, days_past: row.days_past_close };
  if (issues.includes('missing_next_step')) evidence.missing_next_step = { next_step: null };
  if (issues.includes('call_risk')) evidence.call_risk = callRiskEvidence(row);
  const main = row.main_issue as Issue;
  return {
    id: row.id as string,
    name: row.name as string | null,
    rep: row.rep as string | null,
    amount: row.amount as number | null,
    currency: row.currency as string | null,
    amount_base: row.amount_base as number,
    stage: row.stage as string | null,
    close_date: row.close_date as string | null,
    probability: row.probability as number,
    lowered_by: row.lowered_by as number,
    impact: row.impact as number,
    issues,
    action: nextAction(main, evidence),
    evidence,
  };
}

registerSkill({
  id: 'pipeline-hygiene',
  description:
    'Open deals ranked by expected impact (base-currency amount × stage probability × how much their hygiene issues lower it), each with one action and its evidence.',
  inputs,
  schedule: '0 7 * * 1',
  async compute(tx, ctx, input) {
    const facts = await computeHygiene(
      tx,
      ctx.workspaceId,
      input.as_of ?? ctx.asOf,
      input.top,
      input.flag_at,
    );
    return { facts, findings: hygieneFindings(facts), coverage: facts.coverage };
  },
  synthesize: {
    instructions:
      'You are a RevOps analyst writing the weekly pipeline hygiene note for a sales leader. The deals are ranked by ' +
      'expected impact in the base currency; name the top deals with their one action, and which reps own the most impact.',
    digest: (f) => ({
      totals: [
        {
          currency: f.currency,
          open_deals: f.open_deals,
          flagged_deals: f.flagged_deals,
          expected_value: f.expected_value,
          expected_impact: f.expected_impact,
        },
      ],
      coverage: f.coverage.gaps,
      issues: f.issues.map(({ deal_ids: _ids, ...i }) => i),
      reps: f.reps.slice(0, 15),
      deals: f.top_deals.slice(0, 20).map((d) => ({
        name: d.name,
        rep: d.rep,
        amount_base: d.amount_base,
        impact: d.impact,
        stage: d.stage,
        action: d.action,
      })),
    }),
    offline(d) {
      const t = (d.totals?.[0] ?? {}) as Partial<HygieneFacts>;
      const cur = t.currency ?? 'USD';
      const deals = (d.deals ?? []) as Array<{ name: string | null; amount_base: number; action: string }>;
      const reps = (d.reps ?? []) as RepRow[];
      // The headline names as many of the top three deals as fit, leaving room for a coverage note.
      const lead = `${t.flagged_deals} of ${t.open_deals} open deals flagged, ${money(t.expected_impact, cur)} of ${money(t.expected_value, cur)} expected value at stake. Top: `;
      const top: string[] = [];
      for (const x of deals.slice(0, 3)) {
        const item = `${x.name ?? 'Unnamed deal'} (${money(x.amount_base, cur)}): ${x.action}`;
        if (top.length > 0 && lead.length + [...top, item].join('; ').length > 255) break;
        top.push(item);
      }
      // With nothing flagged, the most widespread issue still tells a leader where the pipeline is untidy.
      const issues = (d.issues ?? []) as Array<Omit<IssueTotal, 'deal_ids'>>;
      const common = [...issues].sort((a, b) => b.deals - a.deals)[0];
      const widespread =
        common && common.deals > 0
          ? `; most common issue: ${common.deals} with ${ISSUE_LABEL[common.issue]}`
          : '';
      return {
        headline:
          (t.flagged_deals ?? 0) === 0
            ? `No open deal has issues putting half its value at risk (${t.open_deals ?? 0} open deals${widespread})`
            : `${lead}${top.join('; ')}`.slice(0, 260),
        summary:
          deals.length === 0
            ? 'No flagged deals.'
            : `Ranked by expected impact (amount × stage probability × how much the issues lower it). ` +
              (reps[0] && reps[0].impact > 0
                ? `Most impact with ${reps[0].rep}: ${reps[0].flagged} flagged deals, ${money(reps[0].impact, cur)}.`
                : ''),
        actions: deals
          .slice(0, 5)
          .map((x) => `${x.name ?? 'Unnamed deal'} (${money(x.amount_base, cur)}): ${x.action}`),
      };
    },
  },
});
