/** Lead conversion cohorts: converted vs unconverted leads by source, by creation month and by owner. */
import type { Queryable } from '../db/db.ts';

export interface CohortRow {
  key: string | null;
  total: number;
  converted: number;
  unconverted: number;
  conversion_rate: number;
}

export interface LeadCohorts {
  by_source: CohortRow[];
  by_month: CohortRow[];
  by_owner: CohortRow[];
}

// The grouping expressions are constants chosen by name, never request input.
const GROUPINGS = {
  by_source: `coalesce(lead_source, '(none)')`,
  by_month: `to_char(date_trunc('month', coalesce(source_created_at, created_at) AT TIME ZONE 'UTC'), 'YYYY-MM')`,
  by_owner: `coalesce(owner_email, '(unassigned)')`,
} as const;

export async function leadCohorts(
  q: Queryable,
  workspaceId: string,
  filter: { source?: string; from?: string; to?: string },
): Promise<LeadCohorts> {
  const out = {} as LeadCohorts;
  for (const [name, expr] of Object.entries(GROUPINGS) as Array<[keyof LeadCohorts, string]>) {
    const { rows } = await q.query<CohortRow>(
      /* sql */ `SELECT ${expr} AS key, count(*)::int AS total,
                        count(*) FILTER (WHERE is_converted)::int AS converted,
                        count(*) FILTER (WHERE NOT is_converted)::int AS unconverted,
                        round(count(*) FILTER (WHERE is_converted)::numeric / nullif(count(*), 0), 4)::float8 AS conversion_rate
                 FROM leads
                 WHERE workspace_id = $1::uuid
                   AND ($2::text IS NULL OR source = $2::text)
                   AND ($3::date IS NULL OR coalesce(source_created_at, created_at) >= $3::date)
                   AND ($4::date IS NULL OR coalesce(source_created_at, created_at) < $4::date + 1)
                 GROUP BY 1 ORDER BY 1`,
      [workspaceId, filter.source ?? null, filter.from ?? null, filter.to ?? null],
    );
    out[name] = rows;
  }
  return out;
}
