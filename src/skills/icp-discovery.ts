/**
 * icp-discovery: from won vs lost deals, the features that separate them: firmographics (industry,
 * employee and revenue bands, country, account custom fields unified as custom-field-discovery unifies
 * them), the buying committee (seniority, department, buying role, title of deal contacts) and account
 * signals seen before the close, each with its lift, support and Fisher's exact p-value; below the
 * minimum support a feature says "too little data". COMPUTE writes the next icp_profiles version (the
 * previous one stops being current) and rescores every lead, contact and account against it; SYNTHESIZE
 * explains the profile. With too few closed deals no profile is written and nothing is rescored.
 */
import { z } from 'zod';
import { trainingSet } from '../icp/icp-features.ts';
import {
  buildModel,
  committeeSizes,
  type IcpFeature,
  judgeFeatures,
  scoringWeights,
  writeProfile,
} from '../icp/icp-profile.ts';
import { type ScoringResult, scoreEntities } from '../icp/lead-scoring.ts';
import { type Coverage, coverage, gap } from './skill-coverage.ts';
import { pct } from './skill-format.ts';
import { isoDate } from '../validation/input-values.ts';
import { asOfInput } from './skill-inputs.ts';
import { registerSkill } from './skill-registry.ts';
import type { Finding } from './skill-types.ts';

const inputs = z
  .object({
    min_deals: z.number().int().min(1).max(1_000_000).default(10),
    min_accounts: z.number().int().min(1).max(1_000_000).default(3),
    alpha: z.number().min(0.0001).max(0.2).default(0.05),
    /** Closed deals the profile needs in all, and of each outcome at least a fifth of it. */
    min_closed_deals: z.number().int().min(2).max(1_000_000).default(30),
    /** Learn only from deals closed before this date (a training cut); default: every closed deal. */
    closed_before: isoDate.optional(),
    /** The run's "today": without closed_before, deals closed after it are not learned from. */
    as_of: asOfInput.optional(),
  })
  .strict();

export interface IcpDiscoveryFacts {
  profile: { id: string; version: number; previous_version: number | null } | null;
  learned_from: { deals: number; won: number; lost: number; accounts: number; base_win_rate: number | null };
  /** Features that separate won from lost (the profile's weights), strongest first. */
  signals: IcpFeature[];
  /** Features with a large difference but below the minimum support. */
  too_little_data: IcpFeature[];
  committee: { won_committee_size: number | null; lost_committee_size: number | null };
  scoring: ScoringResult | null;
  min_support: { deals: number; accounts: number; closed_deals: number };
  coverage: Coverage;
}

const nextDay = (date: string) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

const LABEL: Record<string, string> = {
  industry: 'industry',
  employee_band: 'employees',
  revenue_band: 'revenue',
  country: 'country',
  seniority: 'committee seniority',
  department: 'committee department',
  buying_role: 'committee role',
  title: 'committee title',
  signal: 'signal before close',
  custom_field: 'account field',
};
export const describeFeature = (f: IcpFeature) => `${LABEL[f.factor] ?? f.factor} = ${f.value}`;
const describeP = (p: number | null) =>
  p === null ? 'too little data' : `Fisher p ${p < 0.001 ? '< 0.001' : `= ${p.toFixed(3)}`}`;

function findings(f: IcpDiscoveryFacts): Finding[] {
  const metrics = (x: IcpFeature) => ({
    lift: x.lift,
    win_rate: x.win_rate,
    support_deals: x.deals,
    support_accounts: x.accounts,
    p_value: x.p_value,
    weight: x.weight,
  });
  const signals: Finding[] = f.signals.slice(0, 12).map((x) => ({
    kind: (x.weight ?? 0) > 0 ? 'icp_fit' : 'icp_misfit',
    severity: Math.abs(x.weight ?? 0) >= 1 ? 'high' : 'medium',
    title: `${describeFeature(x)}: win rate ${pct(x.win_rate)}, lift ${x.lift.toFixed(2)}x (${x.deals} deals, ${x.accounts} accounts; ${describeP(x.p_value)})`,
    evidence: {},
    metrics: metrics(x),
  }));
  const thin: Finding[] = f.too_little_data.slice(0, 5).map((x) => ({
    kind: 'too_little_data',
    severity: 'info',
    title: `${describeFeature(x)}: win rate ${pct(x.win_rate)} rests on ${x.deals} deals at ${x.accounts} accounts: too little data (needs ${f.min_support.deals} deals at ${f.min_support.accounts} accounts)`,
    evidence: {},
    metrics: metrics(x),
  }));
  return [...signals, ...thin];
}

registerSkill({
  id: 'icp-discovery',
  description:
    'Learns the ideal customer profile from won vs lost deals (firmographics, buying-committee personas, account signals, custom fields) with lift, support and significance, writes a new ICP profile version and rescores leads, contacts and accounts against it.',
  inputs,
  async compute(tx, ctx, input) {
    const closedBefore = input.closed_before ?? (input.as_of ? nextDay(input.as_of) : null);
    const set = await trainingSet(tx, ctx.workspaceId, closedBefore);
    const opts = { ...input };
    const features = judgeFeatures(set, opts);
    const lost = set.deals - set.won;
    const enough =
      set.deals >= input.min_closed_deals && Math.min(set.won, lost) >= Math.ceil(input.min_closed_deals / 5);
    const signals = features.filter((x) => x.verdict === 'signal');
    const weights = scoringWeights({ features });
    const committee = await committeeSizes(tx, ctx.workspaceId, closedBefore);
    let profile: IcpDiscoveryFacts['profile'] = null;
    let scoring: ScoringResult | null = null;
    if (enough && weights.length > 0) {
      const model = buildModel(set, features, committee, closedBefore, opts);
      const summary =
        `Learned from ${set.won} won and ${lost} lost deals: ` +
        (signals
          .filter((x) => (x.weight ?? 0) > 0)
          .slice(0, 5)
          .map((x) => `${describeFeature(x)} (lift ${x.lift.toFixed(2)}x)`)
          .join(', ') || 'no feature raises the win rate reliably');
      profile = await writeProfile(tx, ctx.workspaceId, model, summary);
      ctx.progress('scoring', 0, 1);
      scoring = await scoreEntities(tx, ctx.workspaceId, profile, weights);
      ctx.progress('scoring', 1, 1);
    }
    const judged = features.length;
    const thinAll = features.filter((x) => x.verdict === 'too_little_data');
    const { rows } = await tx.query<{ open: number; all: number }>(
      `SELECT count(*) FILTER (WHERE NOT is_closed)::int AS open, count(*)::int AS all FROM deals WHERE workspace_id = $1::uuid AND deleted_at IS NULL`,
      [ctx.workspaceId],
    );
    const facts: IcpDiscoveryFacts = {
      profile,
      learned_from: {
        deals: set.deals,
        won: set.won,
        lost,
        accounts: set.accounts,
        base_win_rate: set.deals === 0 ? null : set.won / set.deals,
      },
      signals,
      too_little_data: thinAll
        .filter((x) => Math.abs(x.lift - 1) >= 0.3)
        .sort((a, b) => b.deals - a.deals)
        .slice(0, 20),
      committee: { won_committee_size: committee.won, lost_committee_size: committee.lost },
      scoring,
      min_support: {
        deals: input.min_deals,
        accounts: input.min_accounts,
        closed_deals: input.min_closed_deals,
      },
      coverage: coverage({ what: 'closed deals', count: set.deals }, [
        gap('no_outcome', rows[0]!.open, rows[0]!.all, 'open: no outcome to learn from yet', {
          material: false,
          subject: 'deals',
        }),
        // Too few closed deals (or of one outcome) for any profile: the gap is the whole population.
        ...(enough
          ? []
          : [
              gap(
                'too_little_data',
                set.deals,
                set.deals,
                `no profile written: needs ${input.min_closed_deals} closed deals, a fifth of them of each outcome`,
                {
                  material: true,
                  subject: 'closed deals',
                },
              ),
            ]),
        gap('too_little_data', thinAll.length, judged, 'no verdict: below the minimum support', {
          material: enough && judged > 0 && thinAll.length === judged,
          subject: 'features',
        }),
      ]),
    };
    return { facts, findings: findings(facts), coverage: facts.coverage };
  },
  synthesize: {
    instructions:
      'You are a RevOps analyst. From the ICP profile learned from won vs lost deals, say in plain words which ' +
      'companies and which buying committees win, how sure the figures are (support, p-values), what had too ' +
      'little data, and how many leads, contacts and accounts now score A or B.',
    digest: (f) => ({
      profile: [{ ...f.profile, ...f.learned_from, ...f.committee }],
      coverage: f.coverage.gaps,
      signals: f.signals.slice(0, 25).map((x) => ({
        feature: describeFeature(x),
        win_rate: x.win_rate,
        lift: x.lift,
        deals: x.deals,
        accounts: x.accounts,
        p_value: x.p_value,
      })),
      too_little_data: f.too_little_data
        .slice(0, 10)
        .map((x) => ({ feature: describeFeature(x), deals: x.deals })),
      grades: f.scoring ? Object.entries(f.scoring.grades).map(([entity, g]) => ({ entity, ...g })) : [],
    }),
    offline(d) {
      const p = (d.profile?.[0] ?? {}) as { version?: number; won?: number; lost?: number; deals?: number };
      const signals = (d.signals ?? []) as Array<{
        feature: string;
        lift: number;
        deals: number;
        p_value: number | null;
      }>;
      const up = signals.filter((s) => s.lift > 1).slice(0, 4);
      const down = signals.filter((s) => s.lift < 1).slice(0, 3);
      const thin = (d.too_little_data ?? []) as Array<{ feature: string }>;
      const grades = (d.grades ?? []) as Array<Record<string, string | number>>;
      const offlineNote =
        'Offline summary: no model was asked; this text is a template over the computed figures.';
      if (!p.version)
        return {
          headline: `No ICP profile: too little data (${p.deals ?? 0} closed deals: ${p.won ?? 0} won, ${p.lost ?? 0} lost)`,
          summary: `${offlineNote} The profile needs more closed deals of both outcomes before any feature can be judged; leads keep their previous scores.`,
          actions: [
            'Close out stale deals as won or lost',
            'Run icp-discovery again once more deals have closed',
          ],
        };
      const line = (s: (typeof signals)[number]) =>
        `${s.feature} (lift ${s.lift.toFixed(2)}x, ${s.deals} deals, ${describeP(s.p_value)})`;
      const ab = grades
        .map((g) => `${g.entity}s: ${Number(g.A ?? 0) + Number(g.B ?? 0)} graded A or B`)
        .join('; ');
      return {
        headline: `ICP v${p.version} from ${p.won} won / ${p.lost} lost deals: ${up.length ? up.map((s) => s.feature).join(', ') : 'no winning feature'}`,
        summary:
          `${offlineNote} Wins concentrate in ${up.map(line).join('; ') || 'no feature that passes the significance test'}.` +
          (down.length ? ` Losses concentrate in ${down.map(line).join('; ')}.` : '') +
          (thin.length
            ? ` Too little data to judge: ${thin
                .slice(0, 5)
                .map((t) => t.feature)
                .join(', ')}.`
            : '') +
          (ab ? ` Rescored: ${ab}.` : ''),
        actions: [
          ...(up.length
            ? [
                `Prioritise leads graded A or B (fit: ${up
                  .slice(0, 2)
                  .map((s) => s.feature)
                  .join(', ')})`,
              ]
            : []),
          'Review the lowest-graded open pipeline for fit',
        ],
      };
    },
  },
});
