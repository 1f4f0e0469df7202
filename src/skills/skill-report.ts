/** A skill run as a readable terminal report: narrative, findings with their evidence, key tables, cost. */
import { type DiscoveryFacts, describeSignificance } from './custom-field-discovery.ts';
import { describeGap } from './skill-coverage.ts';
import type { ForecastFacts } from './forecast.ts';
import { describeFeature, type IcpDiscoveryFacts } from './icp-discovery.ts';
import type { HygieneFacts } from './pipeline-hygiene.ts';
import { money as formatMoney, pct } from './skill-format.ts';
import type { SkillRun } from './skill-runs.ts';
import type { SkillResult } from './skill-types.ts';

const MARK = { high: '!!', medium: ' !', low: ' ·', info: ' i' } as const;

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => `  ${r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')}`.trimEnd());
}

function highlights(result: SkillResult): string[] {
  switch (result.skill_id) {
    case 'pipeline-hygiene': {
      const f = result.facts as HygieneFacts;
      if (f.reps.length === 0) return [];
      return [
        `Top deals by expected impact (${f.currency}):`,
        ...table([
          ['#', 'deal', 'rep', 'amount', 'impact', 'action'],
          ...f.top_deals
            .slice(0, 10)
            .map((d, i) => [
              String(i + 1),
              d.name ?? '—',
              d.rep ?? '—',
              formatMoney(d.amount_base, f.currency),
              formatMoney(d.impact, f.currency),
              d.action,
            ]),
        ]),
        'By rep (expected impact of flagged deals):',
        ...table([
          ['rep', 'open', 'flagged', 'impact'],
          ...f.reps
            .slice(0, 10)
            .map((r) => [r.rep, String(r.open_deals), String(r.flagged), formatMoney(r.impact, f.currency)]),
        ]),
      ];
    }
    case 'forecast': {
      const f = result.facts as ForecastFacts;
      const t = f.team;
      const money = (n: number | null) => formatMoney(n, f.currency);
      return [
        `Period ${f.period.start_date} → ${f.period.end_date}; quota from ${f.quota_source.replace('_', ' ')}`,
        ...table([
          [
            '',
            'closed won',
            'commit',
            'best case',
            'pipeline',
            'weighted',
            'quota',
            'attainment',
            'coverage',
          ],
          [
            'team',
            money(t.closed_won),
            money(t.commit),
            money(t.best_case),
            money(t.pipeline),
            money(t.weighted),
            money(t.quota),
            pct(t.attainment),
            t.coverage === null ? '—' : `${t.coverage.toFixed(1)}x`,
          ],
          ...f.reps
            .slice(0, 10)
            .map((r) => [
              r.rep,
              money(r.closed_won),
              money(r.commit),
              money(r.best_case),
              money(r.pipeline),
              money(r.weighted),
              money(r.quota),
              pct(r.attainment),
              r.coverage === null ? '—' : `${r.coverage.toFixed(1)}x`,
            ]),
        ]),
      ];
    }
    case 'custom-field-discovery': {
      const f = result.facts as DiscoveryFacts;
      if (f.fields.length === 0) return ['No custom fields found.'];
      return [
        'ICP candidates:',
        ...table([
          ['field', 'type', 'filled', 'values', 'relevance', 'support', 'significance', 'score'],
          ...f.fields
            .slice(0, 12)
            .map((x) => [
              `${x.entity}.${x.field}${x.source_names.length > 1 ? ` (${x.source_names.length} names)` : ''}`,
              x.type,
              pct(x.fill_rate),
              String(x.cardinality),
              x.relevance === null
                ? '—'
                : `${x.relevance_kind === 'correlation' ? 'r=' : ''}${x.relevance.toFixed(2)}${x.best_value ? ` (${x.best_value})` : ''}`,
              x.support ? `${x.support.deals}/${x.support.accounts ?? '—'}` : '—',
              x.relevance === null ? '—' : describeSignificance(x),
              x.score.toFixed(3),
            ]),
        ]),
      ];
    }
    case 'icp-discovery': {
      const f = result.facts as IcpDiscoveryFacts;
      if (!f.profile) return ['No ICP profile written: too little data.'];
      return [
        `ICP profile v${f.profile.version} (${f.learned_from.won} won, ${f.learned_from.lost} lost deals):`,
        ...table([
          ['feature', 'win rate', 'lift', 'deals', 'accounts', 'significance'],
          ...f.signals
            .slice(0, 12)
            .map((x) => [
              describeFeature(x),
              pct(x.win_rate),
              `${x.lift.toFixed(2)}x`,
              String(x.deals),
              String(x.accounts),
              x.p_value === null
                ? 'too little data'
                : `p ${x.p_value < 0.001 ? '< 0.001' : `= ${x.p_value.toFixed(3)}`}`,
            ]),
        ]),
      ];
    }
    default:
      return [];
  }
}

export function formatSkillReport(run: SkillRun): string {
  const lines: string[] = [];
  lines.push(`== ${run.skill_id} · run ${run.id} · ${run.status}`);
  if (run.status === 'failed') {
    lines.push(`error: ${run.error ?? 'unknown'}`);
    return lines.join('\n');
  }
  const result = run.result as SkillResult | null;
  if (!result) return lines.join('\n');
  if (result.narrative) {
    const n = result.narrative;
    lines.push('', n.headline, '', n.summary);
    if (n.actions.length) lines.push('', 'Actions:', ...n.actions.map((a) => `  - ${a}`));
    lines.push(`  (written by ${n.provider}/${n.model}${n.notes.length ? `; ${n.notes.join('; ')}` : ''})`);
  }
  const extra = highlights(result);
  if (extra.length) lines.push('', ...extra);
  if (result.coverage) {
    const c = result.coverage;
    lines.push('', `Coverage: ${c.population.count} ${c.population.what} counted`);
    for (const g of c.gaps) lines.push(`  ${g.material ? '!' : '·'} ${describeGap(g, c.population.what)}`);
  }
  lines.push('', `Findings (${result.findings.length}):`);
  for (const f of result.findings.slice(0, 25)) {
    const evidence = Object.entries(f.evidence)
      .filter(([, ids]) => ids.length > 0)
      .map(([k, ids]) => `${ids.length} ${k}`)
      .join(', ');
    lines.push(`  ${MARK[f.severity]} ${f.title}${evidence ? `  [${evidence}]` : ''}`);
  }
  if (result.labels) {
    const counts: Record<string, number> = {};
    for (const l of Object.values(result.labels)) counts[l] = (counts[l] ?? 0) + 1;
    lines.push(
      '',
      `Classified: ${
        Object.entries(counts)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || 'nothing'
      }`,
    );
  }
  const t = run.phase_timings;
  const tok = run.tokens;
  lines.push(
    '',
    `compute ${t.compute_ms ?? 0} ms${t.classify_ms !== undefined ? `, classify ${t.classify_ms} ms` : ''}${t.synthesize_ms !== undefined ? `, synthesize ${t.synthesize_ms} ms` : ''}` +
      ` · tokens classify ${tok.classify?.input ?? 0}/${tok.classify?.output ?? 0}, synthesize ${tok.synthesize?.input ?? 0}/${tok.synthesize?.output ?? 0} (in/out)`,
  );
  return lines.join('\n');
}
