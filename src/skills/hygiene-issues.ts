/**
 * The pipeline hygiene issues, the default probability of a stage, and the one action a rep should take
 * for a deal's main issue, written from the issue's evidence.
 */
import { type CallRiskEvidence, describeCallRisk } from './deal-insight-signals.ts';

export const HYGIENE_ISSUES = [
  'past_close_date',
  'stale',
  'stuck_in_stage',
  'single_threaded',
  'close_date_slipped',
  'missing_next_step',
  'call_risk',
] as const;
export type Issue = (typeof HYGIENE_ISSUES)[number];

/** A stage's win probability (percent) when the CRM gives none. */
export const STAGE_PROBABILITY_SQL = (column: string) =>
  `CASE ${column} WHEN 'negotiation' THEN 80 WHEN 'decision' THEN 60 WHEN 'evaluation' THEN 40 ` +
  `WHEN 'qualification' THEN 20 ELSE 10 END`;

type Evidence = Record<string, unknown>;
const num = (e: unknown, key: string): number | null => {
  const v = (e as Record<string, unknown> | undefined)?.[key];
  return typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : null;
};

export function nextAction(issue: Issue, evidence: Evidence): string {
  switch (issue) {
    case 'stale': {
      const days = num(evidence.stale, 'days_since_last_touch');
      return `re-engage the buyer: no activity in ${days ?? 'many'} days`;
    }
    case 'stuck_in_stage': {
      const e = evidence.stuck_in_stage as Evidence | undefined;
      return `advance or close it: ${num(e, 'days_in_stage') ?? '?'} days in ${String(e?.stage ?? 'its stage')} (usual ≤ ${Math.round(num(e, 'threshold_days') ?? 0)})`;
    }
    case 'past_close_date': {
      const e = evidence.past_close_date as Evidence | undefined;
      return `reset the close date: ${String(e?.close_date)} passed ${num(e, 'days_past') ?? '?'} days ago`;
    }
    case 'single_threaded':
      return 'multi-thread: one contact engaged, add a second stakeholder';
    case 'close_date_slipped':
      return `requalify: close date moved ${num(evidence.close_date_slipped, 'slips') ?? 'several'} times`;
    case 'missing_next_step':
      return 'set a dated next step';
    case 'call_risk': {
      const e = evidence.call_risk as CallRiskEvidence | undefined;
      return `agree a dated next step: ${e ? describeCallRisk(e) : 'the last call ended without one'}`;
    }
  }
}
