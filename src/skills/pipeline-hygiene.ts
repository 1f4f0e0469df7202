/**
 * pipeline-hygiene: stale deals, past close dates, missing amounts and next steps, single-threaded deals
 * and stuck stages, by rep, ranked by amount at risk. Reads the computed fields (deal_risk_reasons) for the
 * activity, threading and stage-time rules, so the thresholds are the workspace's scoring config.
 */
import { z } from 'zod';
import type { Queryable } from '../db/db.ts';
import { asOfInput } from './skill-inputs.ts';
import { registerSkill } from './skill-registry.ts';
import { money } from './skill-format.ts';
import type { Finding } from './skill-types.ts';

const inputs = z
  .object({ as_of: asOfInput.optional(), top: z.number().int().min(1).max(100).default(20) })
  .strict();

export const HYGIENE_ISSUES = [
  'past_close_date',
  'missing_amount',
  'missing_next_step',
  'stale',
  'single_threaded',
  'stuck_in_stage',
] as const;
type Issue = (typeof HYGIENE_ISSUES)[number];

interface IssueTotal {
  issue: Issue;
  deals: number;
  amount: number;
  deal_ids: string[];
}
interface RepRow {
  rep: string;
  open_deals: number;
  open_amount: number;
  deals_at_risk: number;
  amount_at_risk: number;
  issues: Record<Issue, number>;
}
interface DealRow {
  id: string;
  name: string | null;
  rep: string | null;
  amount: number | null;
  stage: string | null;
  close_date: string | null;
  deal_risk: number | null;
  issues: Issue[];
}
export interface HygieneFacts {
  open_deals: number;
  open_amount: number;
  deals_at_risk: number;
  amount_at_risk: number;
  computed_fields_present: boolean;
  issues: IssueTotal[];
  reps: RepRow[];
  top_deals: DealRow[];
}

const FLAGS_CTE = /* sql */ `
WITH open AS (
  SELECT d.id, d.name, d.owner_email, coalesce(d.amount, 0) AS amount, d.amount AS raw_amount, d.stage_normalized,
         d.close_date, d.deal_risk, d.computed_at,
         (d.close_date < $2::date) AS past_close_date,
         (d.amount IS NULL OR d.amount = 0) AS missing_amount,
         (coalesce(btrim(d.next_step), '') = '') AS missing_next_step,
         coalesce(d.deal_risk_reasons @> '[{"rule": "no_recent_activity"}]', false) AS stale,
         coalesce(d.deal_risk_reasons @> '[{"rule": "single_threaded"}]', false) AS single_threaded,
         coalesce(d.deal_risk_reasons @> '[{"rule": "stuck_in_stage"}]', false) AS stuck_in_stage
  FROM deals d WHERE d.workspace_id = $1::uuid AND NOT d.is_closed
),
flagged AS (
  SELECT o.*, (past_close_date OR missing_amount OR missing_next_step OR stale OR single_threaded OR stuck_in_stage) AS at_risk
  FROM open o
)`;

async function computeHygiene(
  tx: Queryable,
  workspaceId: string,
  asOf: string,
  top: number,
): Promise<HygieneFacts> {
  const params = [workspaceId, asOf];
  const totals = await tx.query<{
    open_deals: number;
    open_amount: number;
    deals_at_risk: number;
    amount_at_risk: number;
    computed: number;
  }>(
    `${FLAGS_CTE} SELECT count(*)::int AS open_deals, coalesce(sum(amount), 0)::float8 AS open_amount,
       count(*) FILTER (WHERE at_risk)::int AS deals_at_risk, coalesce(sum(amount) FILTER (WHERE at_risk), 0)::float8 AS amount_at_risk,
       count(*) FILTER (WHERE computed_at IS NOT NULL)::int AS computed
     FROM flagged`,
    params,
  );
  const issueSql = HYGIENE_ISSUES.map(
    (
      i,
    ) => /* sql */ `SELECT '${i}' AS issue, count(*)::int AS deals, coalesce(sum(amount), 0)::float8 AS amount,
       coalesce((array_agg(id ORDER BY amount DESC, id))[1:20], '{}') AS deal_ids FROM flagged WHERE ${i}`,
  ).join(' UNION ALL ');
  const issues = await tx.query<IssueTotal>(`${FLAGS_CTE} ${issueSql}`, params);
  const reps = await tx.query<RepRow & { i: number[] }>(
    `${FLAGS_CTE} SELECT coalesce(owner_email, '(no owner)') AS rep, count(*)::int AS open_deals,
       sum(amount)::float8 AS open_amount, count(*) FILTER (WHERE at_risk)::int AS deals_at_risk,
       coalesce(sum(amount) FILTER (WHERE at_risk), 0)::float8 AS amount_at_risk,
       ARRAY[${HYGIENE_ISSUES.map((i) => `count(*) FILTER (WHERE ${i})::int`).join(', ')}] AS i
     FROM flagged GROUP BY 1 ORDER BY amount_at_risk DESC, rep LIMIT 50`,
    params,
  );
  const deals = await tx.query<Omit<DealRow, 'issues'> & { f: boolean[] }>(
    `${FLAGS_CTE} SELECT id, name, owner_email AS rep, raw_amount::float8 AS amount, stage_normalized AS stage,
       close_date::text AS close_date, deal_risk, ARRAY[${HYGIENE_ISSUES.join(', ')}] AS f
     FROM flagged WHERE at_risk ORDER BY coalesce(raw_amount, 0) DESC, deal_risk DESC NULLS LAST, id LIMIT $3::int`,
    [...params, top],
  );
  const t = totals.rows[0]!;
  return {
    open_deals: t.open_deals,
    open_amount: t.open_amount,
    deals_at_risk: t.deals_at_risk,
    amount_at_risk: t.amount_at_risk,
    computed_fields_present: t.open_deals === 0 || t.computed > 0,
    issues: issues.rows,
    reps: reps.rows.map(({ i, ...r }) => ({
      ...r,
      issues: Object.fromEntries(HYGIENE_ISSUES.map((name, k) => [name, i[k] ?? 0])) as Record<Issue, number>,
    })),
    top_deals: deals.rows.map(({ f, ...d }) => ({ ...d, issues: HYGIENE_ISSUES.filter((_, k) => f[k]) })),
  };
}

const LABEL: Record<Issue, string> = {
  past_close_date: 'close date in the past',
  missing_amount: 'no amount',
  missing_next_step: 'no next step',
  stale: 'no recent activity',
  single_threaded: 'single-threaded',
  stuck_in_stage: 'stuck in stage',
};

function hygieneFindings(f: HygieneFacts): Finding[] {
  const findings: Finding[] = f.issues
    .filter((i) => i.deals > 0)
    .sort((a, b) => b.amount - a.amount)
    .map((i) => ({
      kind: i.issue,
      severity:
        i.amount >= f.open_amount * 0.25 ? 'high' : i.amount >= f.open_amount * 0.1 ? 'medium' : 'low',
      title: `${i.deals} open deals (${money(i.amount)}): ${LABEL[i.issue]}`,
      evidence: { deals: i.deal_ids },
      metrics: { deals: i.deals, amount: i.amount },
    }));
  for (const rep of f.reps.filter((r) => r.deals_at_risk > 0).slice(0, 5)) {
    findings.push({
      kind: 'rep_amount_at_risk',
      severity: 'info',
      title: `${rep.rep}: ${rep.deals_at_risk} of ${rep.open_deals} deals need attention (${money(rep.amount_at_risk)})`,
      evidence: { deals: f.top_deals.filter((d) => d.rep === rep.rep).map((d) => d.id) },
      metrics: { amount_at_risk: rep.amount_at_risk, deals_at_risk: rep.deals_at_risk },
    });
  }
  return findings;
}

registerSkill({
  id: 'pipeline-hygiene',
  description:
    'Stale deals, past close dates, missing amounts and next steps, single-threaded deals and stuck stages, by rep, ranked by amount at risk.',
  inputs,
  schedule: '0 7 * * 1',
  async compute(tx, ctx, input) {
    const facts = await computeHygiene(tx, ctx.workspaceId, input.as_of ?? ctx.asOf, input.top);
    return { facts, findings: hygieneFindings(facts) };
  },
  synthesize: {
    instructions:
      'You are a RevOps analyst writing the weekly pipeline hygiene note for a sales leader. ' +
      'From the totals, reps and deals, say where the pipeline is unreliable and what each rep should fix first.',
    digest: (f) => ({
      totals: [
        {
          open_deals: f.open_deals,
          open_amount: f.open_amount,
          deals_at_risk: f.deals_at_risk,
          amount_at_risk: f.amount_at_risk,
        },
      ],
      issues: f.issues.map((i) => ({ issue: i.issue, deals: i.deals, amount: i.amount })),
      reps: f.reps.slice(0, 15).map((r) => ({
        rep: r.rep,
        open_deals: r.open_deals,
        deals_at_risk: r.deals_at_risk,
        amount_at_risk: r.amount_at_risk,
        issues: r.issues,
      })),
      deals: f.top_deals.slice(0, 20).map((d) => ({
        name: d.name,
        rep: d.rep,
        amount: d.amount,
        stage: d.stage,
        close_date: d.close_date,
        issues: d.issues,
      })),
    }),
    offline(d) {
      const t = (d.totals?.[0] ?? {}) as {
        open_deals?: number;
        deals_at_risk?: number;
        amount_at_risk?: number;
        open_amount?: number;
      };
      const issues = ((d.issues ?? []) as Array<{ issue: Issue; deals: number; amount: number }>)
        .filter((i) => i.deals > 0)
        .sort((a, b) => b.amount - a.amount);
      const reps = (d.reps ?? []) as Array<{ rep: string; deals_at_risk: number; amount_at_risk: number }>;
      const deals = (d.deals ?? []) as Array<{ name: string; amount: number | null; issues: Issue[] }>;
      return {
        headline: `${t.deals_at_risk ?? 0} of ${t.open_deals ?? 0} open deals need attention (${money(t.amount_at_risk)} of ${money(t.open_amount)})`,
        summary:
          issues.length === 0
            ? 'No hygiene issues found in the open pipeline.'
            : `Biggest issue: ${LABEL[issues[0]!.issue]} on ${issues[0]!.deals} deals (${money(issues[0]!.amount)}). ` +
              (reps[0]
                ? `Most amount at risk: ${reps[0].rep} (${money(reps[0].amount_at_risk)} across ${reps[0].deals_at_risk} deals).`
                : ''),
        actions: deals
          .slice(0, 5)
          .map(
            (x) =>
              `${x.name ?? 'Unnamed deal'} (${money(x.amount)}): fix ${x.issues.map((i) => LABEL[i]).join(', ')}`,
          ),
      };
    },
  },
});
