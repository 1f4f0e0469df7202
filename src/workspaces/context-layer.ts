/**
 * The context layer: what Pandora knows about a workspace's business, in five JSON sections, each
 * validated by its schema. Skills and the linker read it (internal domains, targets, definitions).
 */
import { z } from 'zod';
import type { Queryable } from '../db/db.ts';
import { scoringValueRange } from '../compute/scoring-config.ts';
import { NotFoundError } from '../errors.ts';
import { baseCurrency, reconvertDealAmounts } from '../money/exchange-rates.ts';
import { MAX_MONEY, moneyAmount } from '../validation/input-values.ts';

const email = z.string().email().max(320);
const money = moneyAmount;

function checkScoringRanges(scoring: Partial<Record<string, Record<string, number>>>, ctx: z.RefinementCtx) {
  for (const [section, values] of Object.entries(scoring)) {
    for (const [key, value] of Object.entries(values ?? {})) {
      const range = scoringValueRange(section, key);
      if (range && (value < range[0] || value > range[1]))
        ctx.addIssue({
          code: 'custom',
          path: [section, key],
          message: `must be between ${range[0]} and ${range[1]}`,
        });
    }
  }
}

export const contextSectionSchemas = {
  business_model: z
    .object({
      model: z.enum(['b2b_saas', 'b2b_services', 'marketplace', 'b2c', 'other']).optional(),
      sales_motion: z.enum(['inbound', 'outbound', 'plg', 'channel', 'mixed']).optional(),
      average_deal_size: money.optional(),
      sales_cycle_days: z.number().int().positive().max(3650).optional(),
      // The base currency every money figure is reported in (src/money); USD when unset.
      currency: z
        .string()
        .regex(/^[A-Za-z]{3}$/, 'expected a three-letter ISO 4217 code')
        .transform((c) => c.toUpperCase())
        .optional(),
      target_segments: z.array(z.string().max(100)).max(50).optional(),
      notes: z.string().max(5000).optional(),
    })
    .strict(),
  team_structure: z
    .object({
      teams: z
        .array(z.object({ name: z.string().min(1).max(100), manager_email: email.optional() }).strict())
        .max(200)
        .optional(),
      reps: z
        .array(
          z
            .object({
              email,
              name: z.string().max(200).optional(),
              role: z.enum(['ae', 'sdr', 'am', 'se', 'manager', 'other']).optional(),
              team: z.string().max(100).optional(),
            })
            .strict(),
        )
        .max(5000)
        .optional(),
      notes: z.string().max(5000).optional(),
    })
    .strict(),
  goals_and_targets: z
    .object({
      fiscal_year_start_month: z.number().int().min(1).max(12).optional(),
      annual_target: money.optional(),
      quarterly_quota: money.optional(),
      monthly_quota: money.optional(),
      rep_quotas: z
        .array(
          z
            .object({ rep_email: email, quota_amount: money, period: z.enum(['month', 'quarter', 'year']) })
            .strict(),
        )
        .max(5000)
        .optional(),
      pipeline_coverage_target: z.number().positive().max(20).optional(),
      notes: z.string().max(5000).optional(),
    })
    .strict(),
  definitions: z
    .object({
      internal_domains: z
        .array(
          z
            .string()
            .toLowerCase()
            .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'not a domain'),
        )
        .max(100)
        .optional(),
      stage_definitions: z.record(z.string().max(100), z.string().max(1000)).optional(),
      stale_deal_days: z.number().int().positive().max(3650).optional(),
      icp: z.string().max(5000).optional(),
      notes: z.string().max(5000).optional(),
      // The sales methodology deal insights are mapped onto (src/insights/sales-methodology.ts).
      sales_methodology: z.enum(['meddic', 'meddpicc', 'bant', 'spiced']).optional(),
      // Competitor names, so the insight rules recognise them even where the cue phrases are weak.
      competitors: z.array(z.string().trim().min(1).max(100)).max(200).optional(),
      // Per-workspace overrides of src/compute/scoring-config.ts, e.g. {"risk_weights": {"no_next_step": 20}}.
      scoring: z
        .partialRecord(
          z.enum(['risk_weights', 'risk_thresholds', 'velocity', 'engagement', 'health_weights']),
          z.record(z.string().max(100), z.number().min(-MAX_MONEY).max(MAX_MONEY)),
        )
        .superRefine(checkScoringRanges)
        .optional(),
    })
    .strict(),
  operational_maturity: z
    .object({
      level: z.enum(['early', 'developing', 'established', 'advanced']).optional(),
      crm_hygiene: z.enum(['poor', 'fair', 'good']).optional(),
      uses_forecast_categories: z.boolean().optional(),
      notes: z.string().max(5000).optional(),
    })
    .strict(),
} as const;

export type ContextSection = keyof typeof contextSectionSchemas;
export const CONTEXT_SECTIONS = Object.keys(contextSectionSchemas) as ContextSection[];
export type ContextLayer = { [S in ContextSection]: z.infer<(typeof contextSectionSchemas)[S]> } & {
  version: number;
  updated_at: string;
};

export const contextLayerSchema = z
  .object(
    Object.fromEntries(CONTEXT_SECTIONS.map((s) => [s, contextSectionSchemas[s].optional()])) as {
      [S in ContextSection]: z.ZodOptional<(typeof contextSectionSchemas)[S]>;
    },
  )
  .strict();

type ContextRow = { [S in ContextSection]: Record<string, unknown> } & { version: number; updated_at: Date };

const COLUMNS = `${CONTEXT_SECTIONS.join(', ')}, version, updated_at`;

function toContextLayer(row: ContextRow): ContextLayer {
  const out = { version: row.version, updated_at: row.updated_at.toISOString() } as ContextLayer;
  for (const s of CONTEXT_SECTIONS) (out as Record<string, unknown>)[s] = row[s];
  return out;
}

export async function getContextLayer(q: Queryable, workspaceId: string): Promise<ContextLayer> {
  // From the workspace outward: a workspace whose context row is missing reads as an empty layer,
  // while an unknown workspace is still a 404.
  const sections = CONTEXT_SECTIONS.map((s) => `coalesce(c.${s}, '{}'::jsonb) AS ${s}`).join(', ');
  const { rows } = await q.query<ContextRow>(
    /* sql */ `SELECT ${sections}, coalesce(c.version, 0) AS version, coalesce(c.updated_at, w.created_at) AS updated_at
     FROM workspaces w LEFT JOIN context_layer c ON c.workspace_id = w.id
     WHERE w.id = $1::uuid`,
    [workspaceId],
  );
  if (!rows[0]) throw new NotFoundError('workspace');
  return toContextLayer(rows[0]);
}

/** Replaces the given sections (already validated); sections not given keep their value. */
export async function putContextSections(
  q: Queryable,
  workspaceId: string,
  sections: Partial<{ [S in ContextSection]: Record<string, unknown> }>,
): Promise<ContextLayer> {
  const params: unknown[] = [workspaceId];
  const sets = CONTEXT_SECTIONS.map((s) => {
    const value = sections[s];
    if (value === undefined) return `${s} = ${s}`;
    params.push(JSON.stringify(value));
    return `${s} = $${params.length}::jsonb`;
  });
  await q.query(
    'INSERT INTO context_layer (workspace_id) SELECT id FROM workspaces WHERE id = $1::uuid ON CONFLICT DO NOTHING',
    [workspaceId],
  );
  const baseBefore = sections.business_model ? await baseCurrency(q, workspaceId) : null;
  const { rows } = await q.query<ContextRow>(
    /* sql */ `UPDATE context_layer SET ${sets.join(', ')}, version = version + 1, updated_at = now()
     WHERE workspace_id = $1::uuid RETURNING ${COLUMNS}`,
    params as string[],
  );
  if (!rows[0]) throw new NotFoundError('workspace');
  // A new base currency re-converts every deal (with the rates kept for that base, if any).
  if (baseBefore !== null && (await baseCurrency(q, workspaceId)) !== baseBefore) {
    // The conversion trigger's per-transaction cache of the base currency (migration 040).
    await q.query("SELECT set_config('pandora.base_currency', '', true)");
    await reconvertDealAmounts(q, workspaceId);
  }
  return toContextLayer(rows[0]);
}
