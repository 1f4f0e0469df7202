/** pipeline-hygiene's findings: one per top-ranked deal, one per issue, one per call risk, unsized deals. */
import { type CallRiskEvidence, describeCallRisk } from './deal-insight-signals.ts';
import type { Issue } from './hygiene-issues.ts';
import type { HygieneFacts } from './pipeline-hygiene.ts';
import { money } from './skill-format.ts';
import type { Finding } from './skill-types.ts';

export const ISSUE_LABEL: Record<Issue, string> = {
  past_close_date: 'close date in the past',
  stale: 'no recent activity',
  stuck_in_stage: 'stuck in stage',
  single_threaded: 'single-threaded',
  close_date_slipped: 'close date slipped repeatedly',
  missing_next_step: 'no next step',
  call_risk: 'last call raised a risk, no next step',
};

/** The ids a finding cites for a deal's call risk: the call and the insight rows. */
function callRiskIds(e: CallRiskEvidence) {
  return { conversations: [e.conversation_id], insights: e.insights.map((i) => i.insight_id) };
}

export function hygieneFindings(f: HygieneFacts): Finding[] {
  const findings: Finding[] = f.top_deals.map((d, i) => ({
    kind: 'deal_at_risk',
    severity: i < 5 ? 'high' : d.lowered_by >= 0.65 ? 'medium' : 'low',
    title: `${d.name ?? 'Unnamed deal'} (${money(d.amount_base, f.currency)}, ${d.rep ?? 'no owner'}): ${d.action}`,
    evidence: {
      deals: [d.id],
      ...(Array.isArray((d.evidence.single_threaded as { contact_ids?: string[] })?.contact_ids)
        ? { contacts: (d.evidence.single_threaded as { contact_ids: string[] }).contact_ids }
        : {}),
      ...(d.evidence.call_risk ? callRiskIds(d.evidence.call_risk as CallRiskEvidence) : {}),
    },
    metrics: {
      rank: i + 1,
      impact: d.impact,
      amount_base: d.amount_base,
      probability: d.probability,
      lowered_by: d.lowered_by,
      issues: d.issues.join(','),
    },
  }));
  for (const i of f.issues.filter((x) => x.flagged > 0)) {
    findings.push({
      kind: i.issue,
      severity: 'info',
      title: `${ISSUE_LABEL[i.issue]}: the main issue of ${i.flagged} flagged deals (${money(i.impact, f.currency)} expected impact); ${i.deals} open deals have it`,
      evidence: { deals: i.deal_ids },
      metrics: { flagged: i.flagged, deals: i.deals, impact: i.impact },
    });
  }
  for (const d of f.call_risk_deals) {
    findings.push({
      kind: 'call_risk_without_next_step',
      severity: 'medium',
      title: `${d.name ?? 'Unnamed deal'} (${money(d.amount_base, f.currency)}, ${d.rep ?? 'no owner'}): ${describeCallRisk(d.evidence)}`,
      evidence: { deals: [d.id], ...callRiskIds(d.evidence) },
      metrics: { amount_base: d.amount_base, impact: d.impact, insights: d.evidence.insights.length },
    });
  }
  const noAmount = f.coverage.gaps.find((g) => g.reason === 'no_amount');
  if (noAmount) {
    findings.push({
      kind: 'missing_amount',
      severity: noAmount.material ? 'medium' : 'low',
      title: `${noAmount.count} open deals have no amount: they cannot be weighed or forecast`,
      evidence: { deals: f.unsized_deal_ids },
      metrics: { deals: noAmount.count },
    });
  }
  return findings;
}
