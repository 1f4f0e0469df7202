/** data-quality-audit's findings, and the weak-field rule its headline shares with them. */
import type { AuditFacts, Completeness } from './data-quality-audit.ts';
import { money } from './skill-format.ts';
import type { Finding } from './skill-types.ts';

// A key field filled on less than this share of records is weak.
export const WEAK_FILL = 0.8;

// Rounded down, so a field filled on 99.6 % never reads as complete.
export const fillPct = (rate: number) => `${Math.floor(rate * 100)}%`;

interface FieldFill {
  field: string;
  rate: number;
  rows: number;
}

/** Every key field below 100 %, least complete first: the headline and the findings both read this. */
export function incompleteFields(completeness: readonly Completeness[]): FieldFill[] {
  return completeness
    .flatMap((c) =>
      Object.entries(c.fields).map(([field, rate]) => ({
        field: `${c.entity}.${field}`,
        rate,
        rows: c.rows,
      })),
    )
    .filter((x) => x.rows > 0 && x.rate < 1)
    .sort((a, b) => a.rate - b.rate || a.field.localeCompare(b.field));
}

export function auditFindings(f: AuditFacts): Finding[] {
  const findings: Finding[] = [];
  for (const x of incompleteFields(f.completeness).filter((w) => w.rate < WEAK_FILL)) {
    findings.push({
      kind: 'incomplete_field',
      severity: x.rate < 0.5 ? 'high' : 'medium',
      title: `${x.field} is filled on ${fillPct(x.rate)} of ${x.rows} records`,
      evidence: {},
      metrics: { fill_rate: x.rate, rows: x.rows },
    });
  }
  for (const c of f.near_duplicate_values) {
    const variants = c.values.slice(1);
    findings.push({
      kind: 'near_duplicate_values',
      severity: c.records_to_fix >= 20 ? 'medium' : 'low',
      title: `${c.entity}.${c.field}: ${variants.map((v) => `"${v.value}" (${v.count})`).join(', ')} look like "${c.merge_into}" (${c.values[0]!.count}): merge into "${c.merge_into}"`,
      evidence: {},
      metrics: {
        merge_into: c.merge_into,
        records_to_fix: c.records_to_fix,
        values: c.values.map((v) => `${v.value}=${v.count}`).join('; '),
      },
    });
  }
  for (const entity of ['accounts', 'contacts'] as const) {
    const d = f.duplicates[entity];
    if (d.groups > 0) {
      findings.push({
        kind: 'duplicates',
        severity: 'medium',
        title: `${d.groups} groups of duplicate ${entity} (${d.records} records)`,
        evidence: { [entity]: d.top.flatMap((g) => g.ids).slice(0, 30) },
        metrics: { groups: d.groups, records: d.records },
      });
    }
  }
  const deals = f.duplicates.deals;
  if (deals.groups > 0) {
    // Pipeline counted twice is what a forecast call trips on: the amount is the finding.
    findings.push({
      kind: 'duplicates',
      severity: deals.repeated_amount > 0 ? 'high' : 'medium',
      title: `${deals.groups} groups of open deals at one account under one name and amount (${deals.records} deals): ${money(deals.repeated_amount, deals.currency)} of open pipeline is counted more than once`,
      evidence: { deals: deals.top.flatMap((g) => g.ids).slice(0, 30) },
      metrics: { groups: deals.groups, records: deals.records, repeated_amount: deals.repeated_amount },
    });
  }
  if (f.orphans.deals_without_account > 0 || f.orphans.contacts_without_account > 0) {
    findings.push({
      kind: 'orphans',
      severity: 'low',
      title: `${f.orphans.deals_without_account} deals and ${f.orphans.contacts_without_account} contacts have no account`,
      evidence: f.orphans.sample_ids,
    });
  }
  if (f.unlinked_conversations.total > 0) {
    findings.push({
      kind: 'unlinked_conversations',
      severity: 'medium',
      title: `${f.unlinked_conversations.total} recorded conversations are linked to no deal or account`,
      evidence: { conversations: f.unlinked_conversations.sample.map((c) => c.id).slice(0, 30) },
    });
  }
  const cwd = f.conversations_without_deals;
  if (cwd.total > 0) {
    findings.push({
      kind: 'conversations_without_deals',
      severity: cwd.by_severity.high > 0 ? 'high' : 'medium',
      title: `${cwd.total} external calls at ${cwd.accounts} accounts have no deal (${cwd.by_severity.high} high, ${cwd.by_severity.medium} medium, ${cwd.by_severity.low} low severity)`,
      evidence: {},
      metrics: { ...cwd.by_severity, ...cwd.by_cause },
    });
  }
  for (const d of f.source_drift) {
    const share = d.drift / Math.max(d.source_count, 1);
    findings.push({
      kind: 'sync_drift',
      severity: Math.abs(share) >= 0.05 ? 'high' : 'medium',
      title:
        d.drift > 0
          ? `${d.connector_name}: ${d.drift} of ${d.source_count} ${d.entity} at the source are missing here`
          : `${d.connector_name}: ${-d.drift} more ${d.entity} stored than the source's ${d.source_count}`,
      evidence: {},
      metrics: { ...d, share: Math.round(share * 10_000) / 10_000 },
    });
  }
  for (const s of f.stale_syncs) {
    findings.push({
      kind: 'stale_sync',
      severity: s.status === 'auth_failed' || s.status === 'error' ? 'high' : 'medium',
      title: `${s.connector_name}: ${s.status === 'connected' ? `last synced ${s.last_sync_at ?? 'never'}` : s.status}`,
      evidence: {},
    });
  }
  return findings;
}
