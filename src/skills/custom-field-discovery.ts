/**
 * custom-field-discovery (compute only): scans custom_fields on deals, accounts, contacts and leads; per
 * field its fill rate, cardinality and type, and its relevance to winning — the win-rate lift between
 * values for categorical fields, the correlation with won for numeric ones (deals directly, accounts
 * through their closed deals, leads against conversion) — ranked as ICP candidates.
 */
import { z } from 'zod';
import type { Queryable } from '../db/db.ts';
import { pct } from './skill-format.ts';
import { registerSkill } from './skill-registry.ts';
import type { Finding } from './skill-types.ts';

const inputs = z
  .object({
    min_values: z.number().int().min(1).default(5),
    max_fields: z.number().int().min(1).max(200).default(50),
  })
  .strict();

const ENTITIES = ['deals', 'accounts', 'contacts', 'leads'] as const;
type Entity = (typeof ENTITIES)[number];

export interface FieldProfile {
  entity: Entity;
  field: string;
  type: string;
  fill_rate: number;
  cardinality: number;
  /** win-rate lift (categorical) or correlation (numeric); null when there is nothing to compare. */
  relevance: number | null;
  relevance_kind: 'win_rate_lift' | 'correlation' | 'conversion_lift' | null;
  best_value: string | null;
  score: number;
}
export interface DiscoveryFacts {
  fields: FieldProfile[];
  closed_deals: number;
  base_win_rate: number | null;
}

// Outcome rows: a jsonb document of fields and a boolean outcome, per entity that has one.
const OUTCOMES: Partial<Record<Entity, string>> = {
  deals: `SELECT custom_fields AS cf, is_won AS won FROM deals WHERE workspace_id = $1::uuid AND is_closed`,
  accounts: `SELECT a.custom_fields AS cf, d.is_won AS won FROM deals d
             JOIN accounts a ON a.workspace_id = d.workspace_id AND a.id = d.account_id
             WHERE d.workspace_id = $1::uuid AND d.is_closed`,
  leads: `SELECT custom_fields AS cf, is_converted AS won FROM leads WHERE workspace_id = $1::uuid`,
};

async function profile(tx: Queryable, workspaceId: string, entity: Entity, maxFields: number) {
  const { rows } = await tx.query<{
    field: string;
    filled: number;
    cardinality: number;
    type: string;
    total: number;
  }>(
    /* sql */ `SELECT k.key AS field, count(*)::int AS filled, count(DISTINCT k.value)::int AS cardinality,
       mode() WITHIN GROUP (ORDER BY jsonb_typeof(k.value)) AS type,
       (SELECT count(*)::int FROM ${entity} WHERE workspace_id = $1::uuid) AS total
     FROM ${entity} e CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(e.custom_fields) = 'object' THEN e.custom_fields ELSE '{}' END) k
     WHERE e.workspace_id = $1::uuid AND jsonb_typeof(k.value) <> 'null'
     GROUP BY k.key ORDER BY filled DESC, k.key LIMIT $2::int`,
    [workspaceId, maxFields],
  );
  return rows;
}

async function relevance(tx: Queryable, workspaceId: string, entity: Entity, minValues: number) {
  const source = OUTCOMES[entity];
  const out = new Map<
    string,
    { relevance: number; kind: FieldProfile['relevance_kind']; best: string | null }
  >();
  if (!source) return { out, base: null as number | null, n: 0 };
  const base = await tx.query<{ n: number; rate: number | null }>(
    `SELECT count(*)::int AS n, avg(won::int)::float8 AS rate FROM (${source}) o`,
    [workspaceId],
  );
  const baseRate = base.rows[0]?.rate ?? null;
  const kind = entity === 'leads' ? 'conversion_lift' : 'win_rate_lift';
  const cat = await tx.query<{ field: string; value: string; n: number; rate: number }>(
    /* sql */ `SELECT k.key AS field, k.value #>> '{}' AS value, count(*)::int AS n, avg(o.won::int)::float8 AS rate
     FROM (${source}) o CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(o.cf) = 'object' THEN o.cf ELSE '{}' END) k
     WHERE jsonb_typeof(k.value) IN ('string', 'boolean')
     GROUP BY 1, 2 HAVING count(*) >= $2::int`,
    [workspaceId, minValues],
  );
  for (const r of cat.rows) {
    if (baseRate === null) continue;
    const lift = r.rate - baseRate;
    const cur = out.get(r.field);
    if (!cur || Math.abs(lift) > Math.abs(cur.relevance))
      out.set(r.field, { relevance: lift, kind, best: r.value });
  }
  const num = await tx.query<{ field: string; r: number | null }>(
    /* sql */ `SELECT k.key AS field, corr((k.value #>> '{}')::float8, o.won::int::float8) AS r
     FROM (${source}) o CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(o.cf) = 'object' THEN o.cf ELSE '{}' END) k
     WHERE jsonb_typeof(k.value) = 'number'
     GROUP BY 1 HAVING count(*) >= $2::int`,
    [workspaceId, minValues],
  );
  for (const r of num.rows)
    if (r.r !== null) out.set(r.field, { relevance: r.r, kind: 'correlation', best: null });
  return { out, base: baseRate, n: base.rows[0]?.n ?? 0 };
}

async function computeDiscovery(
  tx: Queryable,
  workspaceId: string,
  minValues: number,
  maxFields: number,
): Promise<DiscoveryFacts> {
  const fields: FieldProfile[] = [];
  let closedDeals = 0;
  let baseWin: number | null = null;
  for (const entity of ENTITIES) {
    const profiles = await profile(tx, workspaceId, entity, maxFields);
    if (profiles.length === 0) continue;
    const rel = await relevance(tx, workspaceId, entity, minValues);
    if (entity === 'deals') {
      closedDeals = rel.n;
      baseWin = rel.base;
    }
    for (const p of profiles) {
      const r = rel.out.get(p.field);
      const fill = p.total === 0 ? 0 : p.filled / p.total;
      fields.push({
        entity,
        field: p.field,
        type: p.type,
        fill_rate: fill,
        cardinality: p.cardinality,
        relevance: r?.relevance ?? null,
        relevance_kind: r?.kind ?? null,
        best_value: r?.best ?? null,
        // A candidate matters when it separates winners from losers and is filled often enough to use.
        score: Math.round(Math.abs(r?.relevance ?? 0) * Math.sqrt(fill) * 1000) / 1000,
      });
    }
  }
  fields.sort((a, b) => b.score - a.score || b.fill_rate - a.fill_rate || a.field.localeCompare(b.field));
  return { fields, closed_deals: closedDeals, base_win_rate: baseWin };
}

function discoveryFindings(f: DiscoveryFacts): Finding[] {
  return f.fields
    .filter((x) => x.relevance !== null && x.score >= 0.05)
    .slice(0, 10)
    .map((x) => ({
      kind: 'icp_candidate',
      severity: x.score >= 0.2 ? 'high' : 'medium',
      title:
        x.relevance_kind === 'correlation'
          ? `${x.entity}.${x.field}: correlation with winning ${x.relevance!.toFixed(2)} (filled ${pct(x.fill_rate)})`
          : `${x.entity}.${x.field} = "${x.best_value}": ${x.relevance! >= 0 ? '+' : ''}${(x.relevance! * 100).toFixed(0)} pts ${x.relevance_kind === 'conversion_lift' ? 'conversion' : 'win rate'} (filled ${pct(x.fill_rate)})`,
      evidence: {},
      metrics: { relevance: x.relevance, fill_rate: x.fill_rate, cardinality: x.cardinality },
    }));
}

registerSkill({
  id: 'custom-field-discovery',
  description:
    'Scans custom fields on deals, accounts, contacts and leads: fill rate, cardinality, type and relevance to winning, ranked as ICP candidates.',
  inputs,
  async compute(tx, ctx, input) {
    const facts = await computeDiscovery(tx, ctx.workspaceId, input.min_values, input.max_fields);
    return { facts, findings: discoveryFindings(facts) };
  },
});
