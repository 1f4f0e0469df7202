/**
 * data-quality-audit: field completeness per entity, duplicates (accounts by normalised name or domain,
 * contacts by email, open deals by account, name and amount), orphan records, conversations linked to nothing, stale syncs and drift between a
 * source's own totals and what is stored (the health ledger's snapshots). CLASSIFY sorts the
 * unlinked conversations on the cheap tier into what they probably are (a prospect meeting that needs a
 * deal, a customer call, internal, other).
 */
import { z } from 'zod';
import type { Queryable } from '../db/db.ts';
import { type CwdSummary, conversationsWithoutDealsSummary } from '../linker/cwd-summary.ts';
import { classifyItems } from '../llm/classify-batch.ts';
import { type NearDuplicateCluster, nearDuplicateValues } from './near-duplicate-values.ts';
import { type Coverage, coverage, gap } from './skill-coverage.ts';
import { asOfInput } from './skill-inputs.ts';
import { registerSkill } from './skill-registry.ts';
import { latestDrift } from '../sync/sync-health.ts';
import { auditFindings, fillPct, incompleteFields, WEAK_FILL } from './data-quality-findings.ts';
import { ownerSql } from '../entities/record-owner.ts';
import { baseCurrency } from '../money/exchange-rates.ts';
import { money } from './skill-format.ts';

const inputs = z
  .object({
    as_of: asOfInput.optional(),
    stale_sync_hours: z.number().int().min(1).max(87_600).default(48),
    // Share of a source's records missing here (or extra here) beyond which the drift is a finding.
    drift_threshold: z.number().min(0).max(1).default(0.01),
  })
  .strict();

// The fields a RevOps team expects filled, per entity (identifiers spliced into SQL come only from here).
const KEY_FIELDS: Record<string, readonly string[]> = {
  accounts: ['name', 'domain', 'industry', 'employee_count', 'owner'],
  contacts: ['email', 'first_name', 'last_name', 'title', 'account_id'],
  deals: ['amount', 'close_date', 'owner', 'account_id', 'next_step', 'stage_normalized'],
  leads: ['email', 'company', 'lead_source', 'owner_email'],
};

export interface Completeness {
  entity: string;
  rows: number;
  fields: Record<string, number>;
}
interface DuplicateGroup {
  key: string;
  ids: string[];
}
interface UnlinkedConversation {
  id: string;
  title: string | null;
  started_at: string | null;
  summary: string | null;
  external_domains: string[];
}
export interface AuditFacts {
  completeness: Completeness[];
  duplicates: {
    accounts: { groups: number; records: number; top: DuplicateGroup[] };
    contacts: { groups: number; records: number; top: DuplicateGroup[] };
    /**
     * Open deals of one account under one name for one amount (as two CRMs' imports, or a re-import without
     * ids, leave them; an account's two "Renewal" deals of different sizes are two deals):
     * `repeated_amount` is the open pipeline counted beyond one deal per group, in `currency`.
     */
    deals: {
      groups: number;
      records: number;
      top: DuplicateGroup[];
      repeated_amount: number;
      currency: string;
    };
  };
  orphans: {
    contacts_without_account: number;
    deals_without_account: number;
    activities_unlinked: number;
    sample_ids: Record<string, string[]>;
  };
  /** Conversations linked to nothing at all (neither deal nor account). */
  unlinked_conversations: { total: number; sample: UnlinkedConversation[] };
  /** The linker's report: external calls at an account with no deal, by severity and likely cause. */
  conversations_without_deals: CwdSummary;
  stale_syncs: Array<{ connector_name: string; status: string; last_sync_at: string | null }>;
  /** Per source and object type, the latest counts at the source vs stored whose gap passes the threshold. */
  source_drift: Array<{
    connector_name: string;
    entity: string;
    source_count: number;
    stored_count: number;
    drift: number;
    taken_at: string;
  }>;
  /** One value typed several ways in a categorical field, with counts and the value to merge into. */
  near_duplicate_values: NearDuplicateCluster[];
  coverage: Coverage;
}

/** `owner`: an owner's email or, where the source gave only a name, the name. */
async function completeness(tx: Queryable, workspaceId: string): Promise<Completeness[]> {
  const out: Completeness[] = [];
  for (const [table, fields] of Object.entries(KEY_FIELDS)) {
    const { rows } = await tx.query<Record<string, number>>(
      `SELECT count(*)::int AS n, ${fields.map((f) => `count(${f === 'owner' ? ownerSql() : f})::int AS "${f}"`).join(', ')} FROM ${table} WHERE workspace_id = $1::uuid`,
      [workspaceId],
    );
    const r = rows[0]!;
    const n = r.n ?? 0;
    out.push({
      entity: table,
      rows: n,
      fields: Object.fromEntries(fields.map((f) => [f, n === 0 ? 1 : (r[f] ?? 0) / n])),
    });
  }
  return out;
}

// Names compare without case, punctuation and legal suffixes; domains without "www.".
const ACCOUNT_DUPES = /* sql */ `
WITH keyed AS (
  SELECT id, 'name:' || btrim(regexp_replace(regexp_replace(lower(name), '[^a-z0-9 ]', '', 'g'),
           '\\m(inc|llc|ltd|gmbh|corp|corporation|co|limited|sa|ag)\\M', '', 'g')) AS k
  FROM accounts WHERE workspace_id = $1::uuid AND name IS NOT NULL AND deleted_at IS NULL
  UNION ALL
  SELECT id, 'domain:' || regexp_replace(lower(btrim(domain)), '^www\\.', '') FROM accounts
  WHERE workspace_id = $1::uuid AND coalesce(btrim(domain), '') <> '' AND deleted_at IS NULL
),
groups AS (SELECT k, array_agg(DISTINCT id) AS ids FROM keyed WHERE k NOT IN ('name:', 'domain:') GROUP BY k HAVING count(DISTINCT id) > 1)
SELECT (SELECT count(*)::int FROM groups) AS groups,
       (SELECT count(DISTINCT i)::int FROM groups, unnest(ids) i) AS records,
       coalesce((SELECT jsonb_agg(jsonb_build_object('key', k, 'ids', ids) ORDER BY cardinality(ids) DESC, k)
                 FROM (SELECT * FROM groups ORDER BY cardinality(ids) DESC, k LIMIT 10) t), '[]') AS top`;

const CONTACT_DUPES = /* sql */ `
WITH groups AS (
  SELECT lower(btrim(email)) AS k, array_agg(id ORDER BY id) AS ids FROM contacts
  WHERE workspace_id = $1::uuid AND coalesce(btrim(email), '') <> '' AND deleted_at IS NULL GROUP BY 1 HAVING count(*) > 1
)
SELECT count(*)::int AS groups, coalesce(sum(cardinality(ids)), 0)::int AS records,
       coalesce((SELECT jsonb_agg(jsonb_build_object('key', 'email:' || k, 'ids', ids) ORDER BY cardinality(ids) DESC, k)
                 FROM (SELECT * FROM groups ORDER BY cardinality(ids) DESC, k LIMIT 10) t), '[]') AS top
FROM groups`;

const DEAL_DUPES = /* sql */ `
WITH groups AS (
  SELECT 'name:' || min(name) AS k, array_agg(id ORDER BY amount_base DESC NULLS LAST, id) AS ids,
         coalesce(sum(amount_base) - max(amount_base), 0) AS repeated
  FROM deals
  WHERE workspace_id = $1::uuid AND deleted_at IS NULL AND NOT is_closed AND account_id IS NOT NULL
    AND coalesce(btrim(name), '') <> ''
  GROUP BY account_id, btrim(regexp_replace(lower(name), '[^[:alnum:]]+', ' ', 'g')), round(amount_base)
  HAVING count(*) > 1
)
SELECT count(*)::int AS groups, coalesce(sum(cardinality(ids)), 0)::int AS records,
       coalesce(sum(repeated), 0)::float8 AS repeated_amount,
       coalesce((SELECT jsonb_agg(jsonb_build_object('key', k, 'ids', ids) ORDER BY repeated DESC, k)
                 FROM (SELECT * FROM groups ORDER BY repeated DESC, k LIMIT 10) t), '[]') AS top
FROM groups`;

/** Conversations the linker could tie to nothing (no deal, no account); the linker's report covers the rest. */
export async function unlinkedConversations(
  tx: Queryable,
  workspaceId: string,
  limit: number,
): Promise<AuditFacts['unlinked_conversations']> {
  const where = `workspace_id = $1::uuid AND deal_id IS NULL AND account_id IS NULL AND is_internal IS NOT TRUE`;
  const total = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM conversations WHERE ${where}`, [
    workspaceId,
  ]);
  const { rows } = await tx.query<UnlinkedConversation>(
    /* sql */ `SELECT id, title, started_at::text AS started_at, left(summary, 500) AS summary,
       coalesce((SELECT array_agg(DISTINCT lower(split_part(p->>'email', '@', 2))) FROM jsonb_array_elements(
         CASE WHEN jsonb_typeof(participants) = 'array' THEN participants ELSE '[]' END) p
         WHERE p->>'affiliation' = 'external' AND p->>'email' LIKE '%@%'), '{}') AS external_domains
     FROM conversations WHERE ${where} ORDER BY started_at DESC NULLS LAST, id LIMIT $2::int`,
    [workspaceId, limit],
  );
  return { total: total.rows[0]!.n, sample: rows };
}

async function computeAudit(
  tx: Queryable,
  workspaceId: string,
  asOf: string,
  staleHours: number,
  driftThreshold: number,
): Promise<AuditFacts> {
  const acc = await tx.query<{ groups: number; records: number; top: DuplicateGroup[] }>(ACCOUNT_DUPES, [
    workspaceId,
  ]);
  const con = await tx.query<{ groups: number; records: number; top: DuplicateGroup[] }>(CONTACT_DUPES, [
    workspaceId,
  ]);
  const dealDupes = await tx.query<Omit<AuditFacts['duplicates']['deals'], 'currency'>>(DEAL_DUPES, [
    workspaceId,
  ]);
  const orphans = await tx.query<{ c: number; d: number; a: number; cs: string[]; ds: string[] }>(
    /* sql */ `SELECT
       (SELECT count(*)::int FROM contacts WHERE workspace_id = $1::uuid AND account_id IS NULL AND deleted_at IS NULL) AS c,
       (SELECT count(*)::int FROM deals WHERE workspace_id = $1::uuid AND account_id IS NULL AND deleted_at IS NULL) AS d,
       (SELECT count(*)::int FROM activities WHERE workspace_id = $1::uuid AND deal_id IS NULL AND contact_id IS NULL AND account_id IS NULL) AS a,
       coalesce((SELECT array_agg(id) FROM (SELECT id FROM contacts WHERE workspace_id = $1::uuid AND account_id IS NULL AND deleted_at IS NULL ORDER BY id LIMIT 10) x), '{}') AS cs,
       coalesce((SELECT array_agg(id) FROM (SELECT id FROM deals WHERE workspace_id = $1::uuid AND account_id IS NULL AND deleted_at IS NULL ORDER BY id LIMIT 10) x), '{}') AS ds`,
    [workspaceId],
  );
  const stale = await tx.query<{ connector_name: string; status: string; last_sync_at: string | null }>(
    /* sql */ `SELECT connector_name, status, last_sync_at::text AS last_sync_at FROM connections
     WHERE workspace_id = $1::uuid AND connector_name NOT IN ('llm_config', 'enrichment_config') AND status <> 'disconnected'
       AND (status IN ('error', 'auth_failed') OR last_sync_at IS NULL
            OR last_sync_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC' - make_interval(hours => $3::int))
     ORDER BY connector_name`,
    [workspaceId, asOf, staleHours],
  );
  const o = orphans.rows[0]!;
  const unlinked = await unlinkedConversations(tx, workspaceId, 100);
  const completenessRows = await completeness(tx, workspaceId);
  return {
    completeness: completenessRows,
    duplicates: {
      accounts: acc.rows[0]!,
      contacts: con.rows[0]!,
      deals: { ...dealDupes.rows[0]!, currency: await baseCurrency(tx, workspaceId) },
    },
    orphans: {
      contacts_without_account: o.c,
      deals_without_account: o.d,
      activities_unlinked: o.a,
      sample_ids: { contacts: o.cs, deals: o.ds },
    },
    unlinked_conversations: unlinked,
    conversations_without_deals: await conversationsWithoutDealsSummary(
      tx,
      workspaceId,
      new Date(`${asOf}T23:59:59Z`),
    ),
    stale_syncs: stale.rows,
    source_drift: (await latestDrift(tx, workspaceId))
      .map((d) => ({ ...d, drift: d.source_count - d.stored_count }))
      .filter((d) => d.drift !== 0 && Math.abs(d.drift) > driftThreshold * Math.max(d.source_count, 1)),
    near_duplicate_values: await nearDuplicateValues(tx, workspaceId),
    coverage: coverage({ what: 'records', count: completenessRows.reduce((n, c) => n + c.rows, 0) }, [
      gap(
        'unlinked_calls',
        unlinked.total - unlinked.sample.length,
        unlinked.total,
        `not classified: only the ${unlinked.sample.length} most recent are`,
        { material: false },
      ),
    ]),
  };
}

export const CONVERSATION_CATEGORIES = [
  {
    id: 'prospect_meeting',
    description: 'a sales meeting with a prospect that probably needs a deal',
    keywords: ['intro', 'demo', 'discovery', 'pricing', 'proposal', 'evaluation'],
  },
  {
    id: 'customer_call',
    description: 'a call with an existing customer (support, renewal, onboarding)',
    keywords: ['renewal', 'onboarding', 'support', 'qbr', 'check-in'],
  },
  {
    id: 'internal',
    description: 'an internal meeting recorded by mistake',
    keywords: ['standup', 'internal', '1:1', 'all hands', 'retro'],
  },
  { id: 'other', description: 'anything else (recruiting, vendors, unclear)', keywords: [] },
] as const;

registerSkill({
  id: 'data-quality-audit',
  description:
    'Field completeness per entity, duplicate accounts and contacts, orphan records, conversations linked to nothing, stale syncs, and drift between counts at a source and stored.',
  inputs,
  schedule: '0 6 * * *',
  async compute(tx, ctx, input) {
    const facts = await computeAudit(
      tx,
      ctx.workspaceId,
      input.as_of ?? ctx.asOf,
      input.stale_sync_hours,
      input.drift_threshold,
    );
    return { facts, findings: auditFindings(facts), coverage: facts.coverage };
  },
  async classify(ctx, facts) {
    const items = facts.unlinked_conversations.sample.map((c) => ({
      id: c.id,
      text: `${c.title ?? ''}\n${c.summary ?? ''}\nexternal domains: ${c.external_domains.join(', ')}`,
    }));
    const out = await classifyItems(
      ctx.llm,
      'data-quality-audit.unlinked-conversations',
      items,
      CONVERSATION_CATEGORIES,
      {
        fallback: 'other',
        batchSize: 25,
        onBatch: (done, total) => ctx.progress('classify', done, total),
      },
    );
    return {
      labels: Object.fromEntries(out.labels),
      inputTokens: out.inputTokens,
      outputTokens: out.outputTokens,
      providers: [...out.providers],
      notes: out.notes,
    };
  },
  synthesize: {
    instructions:
      'You are a RevOps analyst auditing CRM data quality. From the completeness, duplicates, orphans, unlinked ' +
      'conversations (with their likely category) and stale syncs, say what most undermines reporting and what to fix first.',
    digest: (f, labels) => {
      const counts: Record<string, number> = {};
      for (const l of Object.values(labels)) counts[l] = (counts[l] ?? 0) + 1;
      return {
        completeness: f.completeness,
        duplicates: [
          {
            accounts: f.duplicates.accounts.groups,
            contacts: f.duplicates.contacts.groups,
            deals: f.duplicates.deals.groups,
            deals_repeated_amount: f.duplicates.deals.repeated_amount,
            currency: f.duplicates.deals.currency,
          },
        ],
        orphans: [
          {
            deals: f.orphans.deals_without_account,
            contacts: f.orphans.contacts_without_account,
            activities: f.orphans.activities_unlinked,
          },
        ],
        unlinked_conversations: [{ total: f.unlinked_conversations.total, by_category: counts }],
        conversations_without_deals: [f.conversations_without_deals],
        stale_syncs: f.stale_syncs,
        near_duplicate_values: f.near_duplicate_values.slice(0, 20),
      };
    },
    offline(d) {
      const incomplete = incompleteFields((d.completeness ?? []) as Completeness[]);
      const weak = incomplete.filter((x) => x.rate < WEAK_FILL);
      const worst = incomplete.slice(0, 3);
      const nearDupes = (d.near_duplicate_values ?? []) as NearDuplicateCluster[];
      const dup = (d.duplicates?.[0] ?? {}) as {
        accounts?: number;
        contacts?: number;
        deals?: number;
        deals_repeated_amount?: number;
        currency?: string;
      };
      const conv = (d.unlinked_conversations?.[0] ?? {}) as {
        total?: number;
        by_category?: Record<string, number>;
      };
      const stale = (d.stale_syncs ?? []) as Array<{ connector_name: string }>;
      const actions: string[] = [];
      if (weak[0])
        actions.push(`Make ${weak[0].field} required: filled on ${fillPct(weak[0].rate)} of records`);
      if (nearDupes[0])
        actions.push(
          `Merge ${nearDupes[0].values
            .slice(1)
            .map((v) => `"${v.value}"`)
            .join(', ')} into "${nearDupes[0].merge_into}" (${nearDupes[0].entity}.${nearDupes[0].field})`,
        );
      if ((dup.deals ?? 0) > 0)
        actions.push(
          `Merge ${dup.deals} duplicate open deal groups: ${money(dup.deals_repeated_amount, dup.currency)} of pipeline is counted twice`,
        );
      if ((dup.accounts ?? 0) > 0) actions.push(`Merge ${dup.accounts} duplicate account groups`);
      if ((dup.contacts ?? 0) > 0) actions.push(`Merge ${dup.contacts} duplicate contact groups`);
      if ((conv.by_category?.prospect_meeting ?? 0) > 0)
        actions.push(`Create deals for ${conv.by_category?.prospect_meeting} prospect meetings with no deal`);
      for (const s of stale.slice(0, 2)) actions.push(`Reconnect or resync ${s.connector_name}`);
      return {
        headline: `${weak.length} weak field${weak.length === 1 ? '' : 's'} (under ${WEAK_FILL * 100}% filled), ${nearDupes.length} near-duplicate value group${nearDupes.length === 1 ? '' : 's'}, ${dup.accounts ?? 0} duplicate account groups, ${conv.total ?? 0} conversations on no deal or account`,
        summary:
          `Least complete: ${worst.map((w) => `${w.field} ${fillPct(w.rate)}`).join(', ') || 'none, every key field is filled'}. ` +
          `Stale or failing syncs: ${stale.map((s) => s.connector_name).join(', ') || 'none'}.`,
        actions: actions.slice(0, 5),
      };
    },
  },
});
