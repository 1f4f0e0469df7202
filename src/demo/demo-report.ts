/**
 * What `npm start` prints once the demo is ready: what the demo holds (pipeline in base currency,
 * conversions, linked conversations, deal insights), each skill's headline with the top ranked deals, and where to look.
 */
import type { HygieneFacts } from '../skills/pipeline-hygiene.ts';
import { money } from '../skills/skill-format.ts';
import type { SkillResult } from '../skills/skill-types.ts';
import type { DemoFacts } from './demo-facts.ts';
import type { DemoSummary } from './demo-workspace.ts';

const pct = (n: number, of: number) => (of === 0 ? '0%' : `${((100 * n) / of).toFixed(1)}%`);

/** The lines about the data itself: every figure here is read from the database. */
export function describeDemoData(f: DemoFacts): string[] {
  const base = f.pipeline.currency;
  const others = f.currency.rates.map((r) => r.currency).filter((c, i, all) => all.indexOf(c) === i);
  const c = f.conversations;
  return [
    `  Open pipeline: ${f.pipeline.totals.count} deals, ${money(f.pipeline.totals.amount, base)} in ${base} ` +
      `(weighted ${money(f.pipeline.totals.weighted_amount, base)}); ` +
      (f.converted_open_deals > 0
        ? `${f.converted_open_deals} deals in ${others.join('/')} converted at dated rates`
        : 'no other currency to convert'),
    ...(f.pipeline.not_converted.note ? [`  ${f.pipeline.not_converted.note}`] : []),
    `  Conversations: ${c.total} recorded, ${c.linked_to_deal} linked to deals (${pct(c.linked_to_deal, c.total)}), ` +
      `${c.linked_to_account_only} to an account only, ${c.internal} internal`,
    `  Deal insights: ${f.insights.current} from ${f.insights.conversations} call transcripts on ${f.insights.deals} deals` +
      (f.insights.extractors.length > 0 ? ` (${f.insights.extractors.join(', ')})` : ''),
  ];
}

function rankedDeals(result: SkillResult): string[] {
  if (result.skill_id !== 'pipeline-hygiene') return [];
  const f = result.facts as HygieneFacts;
  return f.top_deals
    .slice(0, 3)
    .map(
      (d, i) =>
        `      ${i + 1}. ${d.name ?? 'Unnamed deal'} (${d.rep ?? 'no owner'}, ${money(d.amount_base, f.currency)}): ${d.action}`,
    );
}

export function formatDemoReport(url: string, demo: DemoSummary): string {
  const ws = `${url}/api/workspaces/${demo.workspaceId}`;
  const lines = [
    '',
    `Demo workspace: ${demo.workspaceName} (${demo.workspaceId})${demo.created ? ', created now' : ''}`,
    `Demo API key (new this start; older demo keys are revoked): ${demo.apiKey}`,
    '',
    'The data:',
    ...describeDemoData(demo.facts),
    '',
    'Skill results:',
  ];
  for (const run of demo.runs) {
    const result = run.result as SkillResult | null;
    const high = result?.findings.filter((f) => f.severity === 'high').length ?? 0;
    lines.push(
      `  ${run.skill_id.padEnd(24)} ${run.status}` +
        (result
          ? ` · ${result.findings.length} findings (${high} high) · finished ${run.finished_at ?? '—'}`
          : ''),
    );
    if (run.error) lines.push(`      error: ${run.error}`);
    if (result?.narrative) {
      lines.push(`      ${result.narrative.headline}`);
      lines.push(`      (written by ${result.narrative.provider}/${result.narrative.model})`);
    }
    const ranked = result ? rankedDeals(result) : [];
    if (ranked.length > 0) lines.push(...ranked);
    else for (const f of result?.findings.slice(0, 3) ?? []) lines.push(`      - ${f.title}`);
  }
  lines.push(
    '',
    'Try:',
    `  curl -H "authorization: Bearer ${demo.apiKey}" ${ws}/pipeline/summary`,
    `  curl -H "authorization: Bearer ${demo.apiKey}" "${ws}/deals?sort=-amount&limit=5"`,
    `  curl -H "authorization: Bearer ${demo.apiKey}" ${ws}/exchange-rates`,
    `  curl -H "authorization: Bearer ${demo.apiKey}" ${ws}/skill-runs`,
    ...(demo.facts.insights.example_deal_id
      ? [
          `  curl -H "authorization: Bearer ${demo.apiKey}" ${ws}/deals/${demo.facts.insights.example_deal_id}/insights`,
        ]
      : []),
    `  API reference: ${url}/api/docs`,
    `  Web console: ${url}/console/ (sign in with the demo API key)`,
    '',
    `Full reports: pandora skill show <skill> --workspace ${demo.workspaceId}`,
  );
  return lines.join('\n');
}
