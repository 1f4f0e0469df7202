/**
 * custom-field-discovery (compute only): scans custom_fields on deals, accounts, contacts and leads. One
 * field kept under different names by different sources (HubSpot's `technical_fit_score`, Salesforce's
 * `Technical_Fit_Score__c`) is one field, unified by normalised name. Per field: fill rate, cardinality,
 * type, and its relevance to winning (win-rate lift of its most telling value, or correlation for numbers:
 * deals directly, accounts through their closed deals, leads against conversion), each with its support
 * (deals, accounts) and significance (Fisher's exact test, or a 95 % interval). Below the minimum support
 * a field gets no verdict but "too little data".
 */
import { z } from 'zod';
import type { Queryable } from '../db/db.ts';
import { type Coverage, coverage, gap } from './skill-coverage.ts';
import { pct } from './skill-format.ts';
import { registerSkill } from './skill-registry.ts';
import type { Finding } from './skill-types.ts';
import { correlationInterval, fisherExactP } from './win-rate-statistics.ts';

const inputs = z
  .object({
    /** Closed deals (converted or not, for leads) a value needs before its win rate is judged. */
    min_deals: z.number().int().min(1).max(1_000_000).default(10),
    /** Distinct accounts behind those deals: one big customer is not a pattern. */
    min_accounts: z.number().int().min(1).max(1_000_000).default(3),
    max_fields: z.number().int().min(1).max(200).default(50),
    /** Significance level for a finding. */
    alpha: z.number().min(0.0001).max(0.2).default(0.05),
  })
  .strict();
type Inputs = z.infer<typeof inputs>;

const ENTITIES = ['deals', 'accounts', 'contacts', 'leads'] as const;
type Entity = (typeof ENTITIES)[number];

export interface FieldProfile {
  entity: Entity;
  /** The name most records use; `source_names` lists every spelling unified into it. */
  field: string;
  source_names: string[];
  type: string;
  fill_rate: number;
  cardinality: number;
  /** win-rate lift (categorical) or correlation (numeric); null when there is nothing to compare. */
  relevance: number | null;
  relevance_kind: 'win_rate_lift' | 'correlation' | 'conversion_lift' | null;
  best_value: string | null;
  /** Closed deals (or leads) and distinct accounts behind the relevance figure. */
  support: { deals: number; accounts: number | null } | null;
  significance:
    | { test: 'fisher_exact'; p_value: number }
    | { test: 'correlation_95ci'; low: number; high: number }
    | null;
  verdict: 'signal' | 'no_signal' | 'too_little_data' | null;
  score: number;
}
export interface DiscoveryFacts {
  fields: FieldProfile[];
  closed_deals: number;
  base_win_rate: number | null;
  min_support: { deals: number; accounts: number };
  coverage: Coverage;
}

// Case, punctuation and a Salesforce custom suffix do not make a different field.
// One pass: the alternation tries the suffix first, so "Fit_Score__c" loses "__c" before its underscores.
export const NORMALISED_KEY = `lower(regexp_replace(k.key, '(__[cC]$)|[^A-Za-z0-9]', '', 'g'))`;
export const EACH_KEY = (doc: string) =>
  `jsonb_each(CASE WHEN jsonb_typeof(${doc}) = 'object' THEN ${doc} ELSE '{}' END) k`;

// Outcome rows per entity that has one: the record, its account, its fields and the outcome.
const OUTCOMES: Partial<Record<Entity, string>> = {
  deals: `SELECT id AS record_id, account_id, custom_fields AS cf, is_won AS won FROM deals WHERE workspace_id = $1::uuid AND is_closed AND deleted_at IS NULL`,
  accounts: `SELECT d.id AS record_id, d.account_id, a.custom_fields AS cf, d.is_won AS won FROM deals d
             JOIN accounts a ON a.workspace_id = d.workspace_id AND a.id = d.account_id
             WHERE d.workspace_id = $1::uuid AND d.is_closed AND d.deleted_at IS NULL AND a.deleted_at IS NULL`,
  leads: `SELECT id AS record_id, NULL::uuid AS account_id, custom_fields AS cf, is_converted AS won FROM leads WHERE workspace_id = $1::uuid AND deleted_at IS NULL`,
};

async function profile(tx: Queryable, workspaceId: string, entity: Entity, maxFields: number) {
  const { rows } = await tx.query<{
    key: string;
    field: string;
    names: string[];
    filled: number;
    cardinality: number;
    type: string;
    total: number;
  }>(
    /* sql */ `SELECT ${NORMALISED_KEY} AS key, mode() WITHIN GROUP (ORDER BY k.key) AS field,
       array_agg(DISTINCT k.key ORDER BY k.key) AS names, count(DISTINCT e.id)::int AS filled,
       count(DISTINCT k.value)::int AS cardinality, mode() WITHIN GROUP (ORDER BY jsonb_typeof(k.value)) AS type,
       (SELECT count(*)::int FROM ${entity} WHERE workspace_id = $1::uuid) AS total
     FROM ${entity} e CROSS JOIN LATERAL ${EACH_KEY('e.custom_fields')}
     WHERE e.workspace_id = $1::uuid AND jsonb_typeof(k.value) <> 'null' AND ${NORMALISED_KEY} <> ''
     GROUP BY 1 ORDER BY filled DESC, 1 LIMIT $2::int`,
    [workspaceId, maxFields],
  );
  return rows;
}

type Relevance = Pick<
  FieldProfile,
  'relevance' | 'relevance_kind' | 'best_value' | 'support' | 'significance' | 'verdict'
>;

async function relevance(tx: Queryable, workspaceId: string, entity: Entity, opts: Inputs) {
  const source = OUTCOMES[entity];
  const out = new Map<string, Relevance>();
  if (!source) return { out, base: null as number | null, n: 0 };
  const base = await tx.query<{ n: number; won: number }>(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE won)::int AS won FROM (${source}) o`,
    [workspaceId],
  );
  const N = base.rows[0]?.n ?? 0;
  const W = base.rows[0]?.won ?? 0;
  if (N === 0) return { out, base: null, n: 0 };
  const baseRate = W / N;
  const kind = entity === 'leads' ? 'conversion_lift' : 'win_rate_lift';
  const accountsOf = (a: number) => (entity === 'leads' ? null : a);
  const supported = (n: number, a: number) =>
    n >= opts.min_deals && (entity === 'leads' || a >= opts.min_accounts);

  const cat = await tx.query<{ key: string; value: string; n: number; won: number; accounts: number }>(
    /* sql */ `SELECT ${NORMALISED_KEY} AS key, k.value #>> '{}' AS value, count(DISTINCT o.record_id)::int AS n,
       count(DISTINCT o.record_id) FILTER (WHERE o.won)::int AS won, count(DISTINCT o.account_id)::int AS accounts
     FROM (${source}) o CROSS JOIN LATERAL ${EACH_KEY('o.cf')}
     WHERE jsonb_typeof(k.value) IN ('string', 'boolean') GROUP BY 1, 2`,
    [workspaceId],
  );
  // Per field: the most significant supported value; failing any, the largest lift, as too little data.
  const best = new Map<string, Relevance & { rank: number }>();
  for (const r of cat.rows) {
    const lift = r.won / r.n - baseRate;
    const ok = supported(r.n, r.accounts);
    const p = ok ? fisherExactP(r.won, r.n - r.won, W - r.won, N - r.n - (W - r.won)) : null;
    // Supported values outrank unsupported ones; then lower p, then larger lift.
    const rank = ok ? 2 - p! : Math.abs(lift) - 1;
    const cur = best.get(r.key);
    if (cur && (cur.rank > rank || (cur.rank === rank && Math.abs(cur.relevance!) >= Math.abs(lift))))
      continue;
    best.set(r.key, {
      rank,
      relevance: lift,
      relevance_kind: kind,
      best_value: r.value,
      support: { deals: r.n, accounts: accountsOf(r.accounts) },
      significance: p === null ? null : { test: 'fisher_exact', p_value: p },
      verdict: p === null ? 'too_little_data' : p < opts.alpha ? 'signal' : 'no_signal',
    });
  }
  for (const [key, { rank: _rank, ...r }] of best) out.set(key, r);

  const num = await tx.query<{ key: string; r: number | null; n: number; accounts: number }>(
    /* sql */ `SELECT ${NORMALISED_KEY} AS key, corr((k.value #>> '{}')::float8, o.won::int::float8) AS r,
       count(*)::int AS n, count(DISTINCT o.account_id)::int AS accounts
     FROM (${source}) o CROSS JOIN LATERAL ${EACH_KEY('o.cf')}
     WHERE jsonb_typeof(k.value) = 'number' GROUP BY 1`,
    [workspaceId],
  );
  for (const r of num.rows) {
    if (r.r === null) continue;
    const interval = supported(r.n, r.accounts) ? correlationInterval(r.r, r.n) : null;
    out.set(r.key, {
      relevance: r.r,
      relevance_kind: 'correlation',
      best_value: null,
      support: { deals: r.n, accounts: accountsOf(r.accounts) },
      significance: interval && { test: 'correlation_95ci', ...interval },
      verdict:
        interval === null
          ? 'too_little_data'
          : interval.low > 0 || interval.high < 0
            ? 'signal'
            : 'no_signal',
    });
  }
  return { out, base: baseRate, n: N };
}

async function computeDiscovery(tx: Queryable, workspaceId: string, opts: Inputs): Promise<DiscoveryFacts> {
  const fields: FieldProfile[] = [];
  let closedDeals = 0;
  let baseWin: number | null = null;
  for (const entity of ENTITIES) {
    const profiles = await profile(tx, workspaceId, entity, opts.max_fields);
    if (profiles.length === 0) continue;
    const rel = await relevance(tx, workspaceId, entity, opts);
    if (entity === 'deals') {
      closedDeals = rel.n;
      baseWin = rel.base;
    }
    for (const p of profiles) {
      const r = rel.out.get(p.key);
      const fill = p.total === 0 ? 0 : p.filled / p.total;
      fields.push({
        entity,
        field: p.field,
        source_names: p.names,
        type: p.type,
        fill_rate: fill,
        cardinality: p.cardinality,
        relevance: r?.relevance ?? null,
        relevance_kind: r?.relevance_kind ?? null,
        best_value: r?.best_value ?? null,
        support: r?.support ?? null,
        significance: r?.significance ?? null,
        verdict: r?.verdict ?? null,
        // A candidate matters when it reliably separates winners from losers and is filled often enough to use.
        score:
          r?.verdict === 'signal'
            ? Math.round(Math.abs(r.relevance ?? 0) * Math.sqrt(fill) * 1000) / 1000
            : 0,
      });
    }
  }
  fields.sort((a, b) => b.score - a.score || b.fill_rate - a.fill_rate || a.field.localeCompare(b.field));
  const { rows } = await tx.query<{ open: number; all: number }>(
    `SELECT count(*) FILTER (WHERE NOT is_closed)::int AS open, count(*)::int AS all FROM deals WHERE workspace_id = $1::uuid AND deleted_at IS NULL`,
    [workspaceId],
  );
  const judged = fields.filter((f) => f.verdict !== null);
  const thin = judged.filter((f) => f.verdict === 'too_little_data').length;
  return {
    fields,
    closed_deals: closedDeals,
    base_win_rate: baseWin,
    min_support: { deals: opts.min_deals, accounts: opts.min_accounts },
    coverage: coverage({ what: 'closed deals', count: closedDeals }, [
      gap('no_outcome', rows[0]!.open, rows[0]!.all, 'open: no outcome to learn from yet', {
        material: false,
        subject: 'deals',
      }),
      gap('too_little_data', thin, judged.length, 'no verdict: below the minimum support', {
        material: judged.length > 0 && thin === judged.length,
        subject: 'fields',
      }),
    ]),
  };
}

export function describeSignificance(x: FieldProfile): string {
  const s = x.significance;
  if (!s) return 'too little data';
  if (s.test === 'fisher_exact')
    return `Fisher p ${s.p_value < 0.001 ? '< 0.001' : `= ${s.p_value.toFixed(3)}`}`;
  return `95% CI ${s.low.toFixed(2)} to ${s.high.toFixed(2)}`;
}

function describeSupport(x: FieldProfile): string {
  const s = x.support!;
  const unit = x.relevance_kind === 'conversion_lift' ? 'leads' : 'deals';
  return `${s.deals} ${unit}${s.accounts === null ? '' : `, ${s.accounts} accounts`}`;
}

function describeRelevance(x: FieldProfile): string {
  return x.relevance_kind === 'correlation'
    ? `${x.entity}.${x.field}: correlation with winning ${x.relevance!.toFixed(2)}`
    : `${x.entity}.${x.field} = "${x.best_value}": ${x.relevance! >= 0 ? '+' : ''}${(x.relevance! * 100).toFixed(0)} pts ${x.relevance_kind === 'conversion_lift' ? 'conversion' : 'win rate'}`;
}

function discoveryFindings(f: DiscoveryFacts): Finding[] {
  const metrics = (x: FieldProfile) => ({
    relevance: x.relevance,
    fill_rate: x.fill_rate,
    cardinality: x.cardinality,
    support_deals: x.support?.deals ?? null,
    support_accounts: x.support?.accounts ?? null,
    p_value: x.significance?.test === 'fisher_exact' ? x.significance.p_value : null,
    source_names: x.source_names.join(','),
  });
  const signals: Finding[] = f.fields
    .filter((x) => x.verdict === 'signal' && x.score >= 0.05)
    .slice(0, 10)
    .map((x) => ({
      kind: 'icp_candidate',
      severity: x.score >= 0.2 ? 'high' : 'medium',
      title: `${describeRelevance(x)} (${describeSupport(x)}; ${describeSignificance(x)}; filled ${pct(x.fill_rate)})`,
      evidence: {},
      metrics: metrics(x),
    }));
  const thin: Finding[] = f.fields
    .filter((x) => x.verdict === 'too_little_data' && Math.abs(x.relevance ?? 0) >= 0.1)
    .slice(0, 5)
    .map((x) => ({
      kind: 'too_little_data',
      severity: 'info',
      title: `${describeRelevance(x)} rests on ${describeSupport(x)}: too little data (needs ${f.min_support.deals} deals at ${f.min_support.accounts} accounts)`,
      evidence: {},
      metrics: metrics(x),
    }));
  return [...signals, ...thin];
}

registerSkill({
  id: 'custom-field-discovery',
  description:
    'Scans custom fields on deals, accounts, contacts and leads (unified across sources by normalised name): fill rate, type and relevance to winning with its support and significance, ranked as ICP candidates.',
  inputs,
  async compute(tx, ctx, input) {
    const facts = await computeDiscovery(tx, ctx.workspaceId, input);
    return { facts, findings: discoveryFindings(facts), coverage: facts.coverage };
  },
});
