/**
 * A skill run as Slack messages: the narrative, the skill's own key figures (one formatter per skill),
 * coverage, the findings, and a link back to the run. Long results continue in the thread
 * (`packMessages`); nothing here can produce a message beyond Block Kit's limits.
 */
import type { DiscoveryFacts } from '../../skills/custom-field-discovery.ts';
import type { AuditFacts } from '../../skills/data-quality-audit.ts';
import type { ForecastFacts } from '../../skills/forecast.ts';
import type { HygieneFacts } from '../../skills/pipeline-hygiene.ts';
import { describeGap } from '../../skills/skill-coverage.ts';
import { money, pct } from '../../skills/skill-format.ts';
import type { SkillRun } from '../../skills/skill-runs.ts';
import type { SkillResult } from '../../skills/skill-types.ts';
import {
  type Block,
  context,
  divider,
  escapeMrkdwn,
  fields,
  header,
  link,
  packMessages,
  type SlackMessage,
  section,
} from './block-kit.ts';

const SEVERITY_MARK = {
  high: ':red_circle:',
  medium: ':large_orange_circle:',
  low: ':white_circle:',
  info: ':information_source:',
} as const;
/** Findings beyond this many are counted, not listed: the full list is one click away. */
const MAX_FINDINGS = 60;

type SkillBlocks = (result: SkillResult) => Block[];

function pipelineHygieneBlocks(result: SkillResult): Block[] {
  const f = result.facts as HygieneFacts;
  const cur = f.currency;
  const blocks: Block[] = [
    ...fields([
      ['Open deals', String(f.open_deals)],
      ['Flagged', `${f.flagged_deals} (${pct(f.open_deals ? f.flagged_deals / f.open_deals : null)})`],
      ['Expected value', money(f.expected_value, cur)],
      ['Expected impact', money(f.expected_impact, cur)],
    ]),
  ];
  if (f.top_deals.length > 0) {
    blocks.push(section('*Top deals by expected impact*'));
    for (const [i, d] of f.top_deals.slice(0, 10).entries()) {
      blocks.push(
        section(
          `${i + 1}. *${escapeMrkdwn(d.name ?? '(unnamed deal)')}* · ${escapeMrkdwn(d.rep ?? 'no owner')} · ` +
            `${money(d.amount_base, cur)} · impact ${money(d.impact, cur)}\n${escapeMrkdwn(d.action)}`,
        ),
      );
    }
  }
  return blocks;
}

function forecastBlocks(result: SkillResult): Block[] {
  const f = result.facts as ForecastFacts;
  const m = (n: number | null) => money(n, f.currency);
  const t = f.team;
  const blocks: Block[] = [
    context(`Period ${escapeMrkdwn(f.period.start_date)} → ${escapeMrkdwn(f.period.end_date)}`),
    ...fields([
      ['Closed won', m(t.closed_won)],
      ['Commit', m(t.commit)],
      ['Best case', m(t.best_case)],
      ['Pipeline', m(t.pipeline)],
      ['Quota', m(t.quota)],
      ['Attainment', pct(t.attainment)],
      ['Coverage', t.coverage === null ? '—' : `${t.coverage.toFixed(1)}x`],
      // Runs from before insights fed the forecast have no commit_at_risk.
      ...(f.commit_at_risk?.deals.length
        ? [
            [
              'Commit in doubt from calls',
              `${m(f.commit_at_risk.amount)} (${f.commit_at_risk.deals.length} deals)`,
            ] as [string, string],
          ]
        : []),
    ]),
  ];
  if (f.reps.length > 0)
    blocks.push(
      ...fields(
        f.reps
          .slice(0, 20)
          .map((r): [string, string] => [
            r.rep,
            `won ${m(r.closed_won)} · commit ${m(r.commit)} · quota ${m(r.quota)} (${pct(r.attainment)})`,
          ]),
      ),
    );
  return blocks;
}

function dataQualityBlocks(result: SkillResult): Block[] {
  const f = result.facts as AuditFacts;
  const blocks: Block[] = [
    ...fields([
      ['Duplicate accounts', `${f.duplicates.accounts.groups} groups`],
      ['Duplicate contacts', `${f.duplicates.contacts.groups} groups`],
      ['Contacts without account', String(f.orphans.contacts_without_account)],
      ['Deals without account', String(f.orphans.deals_without_account)],
      ['Unlinked conversations', String(f.unlinked_conversations.total)],
    ]),
  ];
  for (const c of f.near_duplicate_values.slice(0, 10))
    blocks.push(
      section(
        `*${escapeMrkdwn(`${c.entity}.${c.field}`)}*: merge ${c.values
          .map((v) => `"${escapeMrkdwn(v.value)}" (${v.count})`)
          .join(', ')} into "${escapeMrkdwn(c.merge_into)}"`,
      ),
    );
  return blocks;
}

function customFieldBlocks(result: SkillResult): Block[] {
  const f = result.facts as DiscoveryFacts;
  return fields(
    f.fields
      .slice(0, 10)
      .map((x): [string, string] => [
        `${x.entity}.${x.field}`,
        `filled ${pct(x.fill_rate)} · score ${x.score.toFixed(2)}${x.best_value ? ` · best "${x.best_value}"` : ''}`,
      ]),
  );
}

const FORMATTERS: Readonly<Record<string, SkillBlocks>> = {
  'pipeline-hygiene': pipelineHygieneBlocks,
  forecast: forecastBlocks,
  'data-quality-audit': dataQualityBlocks,
  'custom-field-discovery': customFieldBlocks,
};

function title(skillId: string): string {
  return skillId
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

/** The run's messages: the first goes to the channel, the rest into its thread. */
export function formatSkillRunForSlack(run: SkillRun, runUrl?: string): SlackMessage[] {
  const blocks: Block[] = [header(`${title(run.skill_id)}${run.status === 'failed' ? ' — failed' : ''}`)];
  const result = run.result as SkillResult | null;
  if (run.status !== 'succeeded' || !result) {
    blocks.push(section(escapeMrkdwn(run.error ?? `run ${run.status}`)));
    return packMessages(`${title(run.skill_id)}: ${run.status}`, blocks);
  }
  const n = result.narrative;
  if (n) {
    blocks.push(section(`*${escapeMrkdwn(n.headline || title(run.skill_id))}*`));
    if (n.summary) blocks.push(section(escapeMrkdwn(n.summary)));
    if (n.actions.length > 0) blocks.push(section(n.actions.map((a) => `• ${escapeMrkdwn(a)}`).join('\n')));
  }
  blocks.push(...(FORMATTERS[run.skill_id]?.(result) ?? []));
  if (result.coverage && result.coverage.gaps.length > 0) {
    const c = result.coverage;
    blocks.push(
      context(
        `Coverage: ${c.population.count} ${escapeMrkdwn(c.population.what)} counted`,
        ...c.gaps.slice(0, 9).map((g) => escapeMrkdwn(describeGap(g, c.population.what))),
      ),
    );
  }
  if (result.findings.length > 0) {
    blocks.push(divider(), section(`*Findings (${result.findings.length})*`));
    for (const finding of result.findings.slice(0, MAX_FINDINGS))
      blocks.push(section(`${SEVERITY_MARK[finding.severity] ?? ''} ${escapeMrkdwn(finding.title)}`));
    if (result.findings.length > MAX_FINDINGS)
      blocks.push(context(`${result.findings.length - MAX_FINDINGS} more findings in the full result`));
  }
  const footer: string[] = [`as of ${escapeMrkdwn(result.as_of)}`];
  // Never pretend: a narrative the offline provider wrote says so.
  if (n) footer.push(`written by ${escapeMrkdwn(`${n.provider}/${n.model}`)}`);
  if (runUrl) footer.push(link(runUrl, 'full result'));
  blocks.push(context(...footer));
  return packMessages(n?.headline || title(run.skill_id), blocks);
}
