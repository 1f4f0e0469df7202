/**
 * forecast: commit / best case / pipeline roll-up for the current quota period, weighted pipeline,
 * coverage, closed-won to date and attainment against quota, per rep and for the team. The quota comes
 * from checkQuotaConfig (an active quota period first, the context layer's goals as fallback) and the
 * result says which. Commit deals whose calls put the date in doubt (the buyer named a timeline after the
 * close date, or raised a budget objection) are flagged, each citing its insight rows, and their amount
 * is shown beside the commit figure.
 */
import { z } from 'zod';
import type { Queryable } from '../db/db.ts';
import { baseCurrency } from '../money/exchange-rates.ts';
import { getContextLayer } from '../workspaces/context-layer.ts';
import { calendarPeriod, checkQuotaConfig } from '../workspaces/quotas.ts';
import { type CommitDealFlag, commitDealsFlaggedByCalls } from './deal-insight-signals.ts';
import { STAGE_PROBABILITY_SQL } from './hygiene-issues.ts';
import { type Coverage, coverage, dealGaps, describeGap, gap } from './skill-coverage.ts';
import { money, pct } from './skill-format.ts';
import { asOfInput } from './skill-inputs.ts';
import { registerSkill } from './skill-registry.ts';
import type { Finding } from './skill-types.ts';
import { NO_OWNER, ownerSql } from '../entities/record-owner.ts';

const inputs = z.object({ as_of: asOfInput.optional() }).strict();

interface Rollup {
  commit: number;
  best_case: number;
  pipeline: number;
  weighted: number;
  closed_won: number;
  open_deals: number;
}
interface RepForecast extends Rollup {
  rep: string;
  quota: number | null;
  attainment: number | null;
  coverage: number | null;
  deal_ids: string[];
}
export interface ForecastFacts {
  /** Every amount is in this (the base) currency. */
  currency: string;
  quota_source: 'quota_period' | 'context_layer' | 'none';
  period: { name: string | null; start_date: string; end_date: string };
  team: Rollup & {
    quota: number | null;
    attainment: number | null;
    coverage: number | null;
    coverage_target: number;
  };
  reps: RepForecast[];
  /**
   * Open deals whose close date is before the period: in no period's roll-up until they are re-dated or
   * closed (the deals that slipped), with their amount in the base currency.
   */
  past_due: { deals: number; amount: number; deal_ids: string[] };
  /** Commit deals in the period flagged by their calls, and their amount (part of team.commit). */
  commit_at_risk: { amount: number; deals: CommitDealFlag[] };
  coverage: Coverage;
}

// Forecast category from the CRM when it names one, else from probability (columns of one deals row).
const CATEGORY_SQL = /* sql */ `CASE
      WHEN lower(forecast_category) IN ('commit', 'committed') THEN 'commit'
      WHEN lower(replace(forecast_category, ' ', '_')) IN ('best_case', 'bestcase', 'upside') THEN 'best_case'
      WHEN lower(forecast_category) IN ('omitted', 'omit') THEN 'omitted'
      WHEN lower(forecast_category) = 'pipeline' THEN 'pipeline'
      WHEN coalesce(probability, 0) >= 70 THEN 'commit'
      WHEN coalesce(probability, 0) >= 40 THEN 'best_case'
      ELSE 'pipeline' END`;

// Closed and omitted deals are excluded.
// Amounts in base currency; a deal whose currency has no rate is left out (and counted in the coverage).
const ROLLUP_SQL = /* sql */ `
WITH d AS (
  SELECT id, coalesce(${ownerSql()}, '${NO_OWNER}') AS rep, coalesce(amount_base, 0)::float8 AS amount, is_won, is_closed,
    coalesce(probability, ${STAGE_PROBABILITY_SQL('stage_normalized')})::float8 AS probability,
    ${CATEGORY_SQL} AS category,
    coalesce(closed_at::date, close_date) AS won_on, close_date
  FROM deals WHERE workspace_id = $1::uuid AND deleted_at IS NULL
    AND NOT (amount IS NOT NULL AND amount_base IS NULL)
)
SELECT rep,
  coalesce(sum(amount) FILTER (WHERE NOT is_closed AND category = 'commit' AND close_date BETWEEN $2::date AND $3::date), 0) AS commit,
  coalesce(sum(amount) FILTER (WHERE NOT is_closed AND category = 'best_case' AND close_date BETWEEN $2::date AND $3::date), 0) AS best_case,
  coalesce(sum(amount) FILTER (WHERE NOT is_closed AND category = 'pipeline' AND close_date BETWEEN $2::date AND $3::date), 0) AS pipeline,
  coalesce(sum(amount * probability / 100) FILTER (WHERE NOT is_closed AND category <> 'omitted' AND close_date BETWEEN $2::date AND $3::date), 0) AS weighted,
  coalesce(sum(amount) FILTER (WHERE is_won AND won_on BETWEEN $2::date AND least($3::date, $4::date)), 0) AS closed_won,
  count(*) FILTER (WHERE NOT is_closed AND category <> 'omitted' AND close_date BETWEEN $2::date AND $3::date)::int AS open_deals,
  coalesce((array_agg(id ORDER BY amount DESC, id) FILTER (WHERE NOT is_closed AND category <> 'omitted' AND close_date BETWEEN $2::date AND $3::date))[1:10], '{}') AS deal_ids
FROM d GROUP BY rep`;

const PAST_DUE_SQL = /* sql */ `
SELECT count(*)::int AS deals, coalesce(sum(amount_base), 0)::float8 AS amount,
  coalesce((array_agg(id ORDER BY amount_base DESC NULLS LAST, id))[1:20], '{}') AS deal_ids
FROM deals WHERE workspace_id = $1::uuid AND deleted_at IS NULL AND NOT is_closed
  AND close_date < $2::date AND ${CATEGORY_SQL} <> 'omitted'`;

function ratio(a: number, b: number | null): number | null {
  return b && b > 0 ? a / b : null;
}

async function computeForecast(tx: Queryable, workspaceId: string, asOf: string): Promise<ForecastFacts> {
  const quota = await checkQuotaConfig(tx, workspaceId, asOf);
  const goals = (await getContextLayer(tx, workspaceId)).goals_and_targets;
  const period =
    quota.source === 'quota_period'
      ? { name: quota.period.name, start_date: quota.period.start_date, end_date: quota.period.end_date }
      : quota.source === 'context_layer'
        ? { name: null, start_date: quota.period.start_date, end_date: quota.period.end_date }
        : { name: null, ...calendarPeriod(asOf, 'quarter', goals.fiscal_year_start_month ?? 1) };
  const { rows } = await tx.query<Omit<RepForecast, 'quota' | 'attainment' | 'coverage'>>(ROLLUP_SQL, [
    workspaceId,
    period.start_date,
    period.end_date,
    asOf,
  ]);
  const repQuota = new Map(quota.rep_quotas.map((r) => [r.rep_email.toLowerCase(), r.quota_amount]));
  const openTotal = (r: Rollup) => r.commit + r.best_case + r.pipeline;
  const reps: RepForecast[] = rows
    .map((r) => {
      const q = repQuota.get(r.rep.toLowerCase()) ?? null;
      return {
        ...r,
        quota: q,
        attainment: ratio(r.closed_won, q),
        coverage: q === null ? null : ratio(openTotal(r), Math.max(0, q - r.closed_won)),
      };
    })
    .sort((a, b) => openTotal(b) + b.closed_won - (openTotal(a) + a.closed_won) || a.rep.localeCompare(b.rep))
    .slice(0, 50);
  const sum = (k: keyof Rollup) => rows.reduce((s, r) => s + (r[k] as number), 0);
  const team: Rollup = {
    commit: sum('commit'),
    best_case: sum('best_case'),
    pipeline: sum('pipeline'),
    weighted: sum('weighted'),
    closed_won: sum('closed_won'),
    open_deals: sum('open_deals'),
  };
  const teamQuota = quota.team_quota && quota.team_quota > 0 ? quota.team_quota : null;
  const open = await dealGaps(tx, workspaceId, 'NOT d.is_closed');
  const wonInPeriod = await dealGaps(
    tx,
    workspaceId,
    'd.is_won AND coalesce(d.closed_at::date, d.close_date) BETWEEN $2::date AND $3::date',
    [period.start_date, period.end_date],
  );
  const flagged = await commitDealsFlaggedByCalls(tx, workspaceId, asOf, period, CATEGORY_SQL);
  const pastDue = await tx.query<ForecastFacts['past_due']>(PAST_DUE_SQL, [workspaceId, period.start_date]);
  return {
    currency: await baseCurrency(tx, workspaceId),
    quota_source: quota.source,
    period,
    team: {
      ...team,
      quota: teamQuota,
      attainment: ratio(team.closed_won, teamQuota),
      coverage: teamQuota === null ? null : ratio(openTotal(team), Math.max(0, teamQuota - team.closed_won)),
      coverage_target: goals.pipeline_coverage_target ?? 3,
    },
    reps,
    past_due: pastDue.rows[0]!,
    commit_at_risk: { amount: flagged.reduce((n, d) => n + d.amount, 0), deals: flagged },
    coverage: coverage({ what: 'open deals', count: open.deals }, [
      gap('no_close_date', open.no_close_date, open.deals, 'in no period, left out of the roll-up'),
      gap(
        'no_rate',
        open.no_rate + wonInPeriod.no_rate,
        open.deals + wonInPeriod.deals,
        `${[...new Set([...open.no_rate_currencies, ...wonInPeriod.no_rate_currencies])].join('/')}: left out of every figure`,
        { subject: 'open deals and deals won in the period' },
      ),
      gap('no_amount', open.no_amount, open.deals, 'counted at zero'),
      gap('no_owner', open.no_owner, open.deals, 'rolled up under "(no owner)"'),
    ]),
  };
}

function forecastFindings(f: ForecastFacts): Finding[] {
  const m = (n: number | null | undefined) => money(n, f.currency);
  const findings: Finding[] = [];
  for (const g of f.coverage.gaps.filter((x) => x.material && x.reason !== 'no_owner')) {
    findings.push({
      kind: `coverage_${g.reason}`,
      severity: g.count === g.of ? 'high' : 'medium',
      title: describeGap(g, 'open deals'),
      evidence: {},
      metrics: { count: g.count, of: g.of },
    });
  }
  if (f.past_due.deals > 0) {
    findings.push({
      kind: 'past_due',
      severity: f.past_due.deals >= f.team.open_deals ? 'high' : 'medium',
      title: `${f.past_due.deals} open deals (${m(f.past_due.amount)}) have close dates before ${f.period.start_date}: they are in no period's forecast until re-dated or closed`,
      evidence: { deals: f.past_due.deal_ids },
      metrics: { count: f.past_due.deals, amount: f.past_due.amount },
    });
  }
  if (f.quota_source === 'none') {
    findings.push({
      kind: 'no_quota',
      severity: 'medium',
      title: 'No quota configured: attainment and coverage cannot be computed',
      evidence: {},
    });
  }
  if (f.team.coverage !== null && f.team.coverage < f.team.coverage_target) {
    findings.push({
      kind: 'low_coverage',
      severity: f.team.coverage < f.team.coverage_target / 2 ? 'high' : 'medium',
      title: `Pipeline coverage ${f.team.coverage.toFixed(1)}x is below the ${f.team.coverage_target}x target`,
      evidence: { deals: f.reps.flatMap((r) => r.deal_ids).slice(0, 20) },
      metrics: { coverage: f.team.coverage, target: f.team.coverage_target },
    });
  }
  for (const r of f.reps) {
    if (r.coverage !== null && r.coverage < 1) {
      findings.push({
        kind: 'rep_short_of_quota',
        severity: 'high',
        title: `${r.rep}: open pipeline ${m(r.commit + r.best_case + r.pipeline)} cannot close the gap to quota (${m((r.quota ?? 0) - r.closed_won)})`,
        evidence: { deals: r.deal_ids },
        metrics: { attainment: r.attainment, coverage: r.coverage },
      });
    }
  }
  for (const d of f.commit_at_risk.deals) {
    const why = [
      d.timeline_date ? `the buyer named ${d.timeline_date}, after the ${d.close_date} close date` : null,
      d.budget_objection ? 'a budget objection is open' : null,
    ].filter(Boolean);
    findings.push({
      kind: 'commit_at_risk_from_calls',
      severity: 'high',
      title: `${d.name ?? 'Unnamed deal'} (${m(d.amount)} in commit, ${d.rep}): ${why.join('; ')}`,
      evidence: {
        deals: [d.deal_id],
        insights: d.insights.map((i) => i.insight_id),
        conversations: [...new Set(d.insights.map((i) => i.conversation_id))],
      },
      metrics: { amount: d.amount, close_date: d.close_date, timeline_date: d.timeline_date },
    });
  }
  return findings;
}

registerSkill({
  id: 'forecast',
  description:
    'Commit / best case / pipeline roll-up for the current period, weighted pipeline, coverage, closed-won to date and attainment against quota, per rep and team.',
  inputs,
  schedule: '0 8 * * 1',
  async compute(tx, ctx, input) {
    const facts = await computeForecast(tx, ctx.workspaceId, input.as_of ?? ctx.asOf);
    return { facts, findings: forecastFindings(facts), coverage: facts.coverage };
  },
  synthesize: {
    instructions:
      'You are a RevOps analyst preparing the forecast call. From the team roll-up and rep rows, say whether the team ' +
      'will make its number, where the gap is, and which reps need a pipeline or deal review. Name the quota source.',
    digest: (f) => ({
      period: [{ ...f.period, quota_source: f.quota_source, currency: f.currency }],
      coverage: f.coverage.gaps,
      team: [f.team],
      reps: f.reps.slice(0, 20).map(({ deal_ids: _ids, ...r }) => r),
      past_due: [{ deals: f.past_due.deals, amount: f.past_due.amount }],
      commit_at_risk: [{ amount: f.commit_at_risk.amount, deals: f.commit_at_risk.deals.length }],
    }),
    offline(d) {
      const p = (d.period?.[0] ?? {}) as {
        start_date?: string;
        end_date?: string;
        quota_source?: string;
        currency?: string;
      };
      const m = (n: number | null | undefined) => money(n, p.currency);
      const t = (d.team?.[0] ?? {}) as ForecastFacts['team'];
      const reps = (d.reps ?? []) as RepForecast[];
      const atRisk = (d.commit_at_risk?.[0] ?? { amount: 0, deals: 0 }) as { amount: number; deals: number };
      const pastDue = (d.past_due?.[0] ?? { amount: 0, deals: 0 }) as { amount: number; deals: number };
      const behind = reps.filter((r) => r.coverage !== null && r.coverage < 1);
      return {
        headline: `Forecast ${p.start_date}–${p.end_date}: ${m(t.closed_won)} won, ${m(t.commit)} commit, ${m(t.best_case)} best case`,
        summary:
          `Weighted pipeline ${m(t.weighted)} across ${t.open_deals} open deals. ` +
          (t.quota
            ? `Attainment ${pct(t.attainment)} of ${m(t.quota)} (quota from ${p.quota_source === 'quota_period' ? 'the active quota period' : 'the context layer goals'}); coverage ${t.coverage?.toFixed(1) ?? '—'}x against a ${t.coverage_target}x target.`
            : 'No quota is configured, so attainment and coverage are not available.') +
          (atRisk.deals > 0
            ? ` ${m(atRisk.amount)} of commit (${atRisk.deals} deals) is in doubt from what buyers said on calls.`
            : '') +
          (pastDue.deals > 0
            ? ` ${pastDue.deals} open deals (${m(pastDue.amount)}) are past their close date and in no period's forecast.`
            : ''),
        actions: [
          ...(pastDue.deals > 0
            ? [`Re-date or close the ${pastDue.deals} past-due open deals (${m(pastDue.amount)})`]
            : []),
          ...behind
            .slice(0, 5)
            .map(
              (r) =>
                `Review ${r.rep}: ${m(r.closed_won)} won of ${m(r.quota)} with ${m(r.commit + r.best_case + r.pipeline)} open`,
            ),
        ],
      };
    },
  },
});
