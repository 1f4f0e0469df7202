/**
 * Quota periods and rep quotas, and checkQuotaConfig: which quota applies on a date. A date-bounded
 * period wins; without one the context layer's goals_and_targets answer, and the result says which.
 */
import type { Queryable } from '../db/db.ts';
import { NotFoundError } from '../errors.ts';
import { getContextLayer } from './context-layer.ts';

export type PeriodType = 'month' | 'quarter' | 'half' | 'year' | 'custom';

interface PeriodRow {
  id: string;
  name: string;
  period_type: PeriodType;
  start_date: string;
  end_date: string;
  team_quota: number;
  created_at: Date;
  updated_at: Date;
}

interface RepQuotaRow {
  id: string;
  period_id: string;
  rep_email: string;
  quota_amount: number;
}

export interface RepQuota {
  id: string;
  period_id: string;
  rep_email: string;
  quota_amount: number;
}

export interface QuotaPeriod {
  id: string;
  name: string;
  period_type: PeriodType;
  start_date: string;
  end_date: string;
  team_quota: number;
  created_at: string;
  updated_at: string;
}

export interface QuotaPeriodInput {
  name: string;
  period_type: PeriodType;
  start_date: string;
  end_date: string;
  team_quota: number;
}

const PERIOD_COLUMNS = 'id, name, period_type, start_date, end_date, team_quota, created_at, updated_at';
const REP_COLUMNS = 'id, period_id, rep_email, quota_amount';

function toPeriod(r: PeriodRow): QuotaPeriod {
  return {
    id: r.id,
    name: r.name,
    period_type: r.period_type,
    start_date: r.start_date,
    end_date: r.end_date,
    team_quota: r.team_quota,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

function toRepQuota(r: RepQuotaRow): RepQuota {
  return { id: r.id, period_id: r.period_id, rep_email: r.rep_email, quota_amount: r.quota_amount };
}

export async function createQuotaPeriod(
  q: Queryable,
  workspaceId: string,
  p: QuotaPeriodInput,
): Promise<QuotaPeriod> {
  const { rows } = await q.query<PeriodRow>(
    /* sql */ `INSERT INTO quota_periods (workspace_id, name, period_type, start_date, end_date, team_quota)
     VALUES ($1::uuid, $2, $3, $4::date, $5::date, $6::numeric) RETURNING ${PERIOD_COLUMNS}`,
    [workspaceId, p.name, p.period_type, p.start_date, p.end_date, p.team_quota],
  );
  return toPeriod(rows[0]!);
}

export async function listQuotaPeriods(q: Queryable, workspaceId: string): Promise<QuotaPeriod[]> {
  const { rows } = await q.query<PeriodRow>(
    `SELECT ${PERIOD_COLUMNS} FROM quota_periods WHERE workspace_id = $1::uuid ORDER BY start_date, id`,
    [workspaceId],
  );
  return rows.map(toPeriod);
}

export async function getQuotaPeriod(
  q: Queryable,
  workspaceId: string,
  periodId: string,
): Promise<QuotaPeriod & { rep_quotas: RepQuota[] }> {
  const { rows } = await q.query<PeriodRow>(
    `SELECT ${PERIOD_COLUMNS} FROM quota_periods WHERE workspace_id = $1::uuid AND id = $2::uuid`,
    [workspaceId, periodId],
  );
  if (!rows[0]) throw new NotFoundError('quota period');
  return { ...toPeriod(rows[0]), rep_quotas: await listRepQuotas(q, workspaceId, periodId) };
}

export async function updateQuotaPeriod(
  q: Queryable,
  workspaceId: string,
  periodId: string,
  p: Partial<QuotaPeriodInput>,
): Promise<QuotaPeriod> {
  const { rows } = await q.query<PeriodRow>(
    /* sql */ `UPDATE quota_periods SET
       name = coalesce($3, name),
       period_type = coalesce($4, period_type),
       start_date = coalesce($5::date, start_date),
       end_date = coalesce($6::date, end_date),
       team_quota = coalesce($7::numeric, team_quota),
       updated_at = now()
     WHERE workspace_id = $1::uuid AND id = $2::uuid RETURNING ${PERIOD_COLUMNS}`,
    [
      workspaceId,
      periodId,
      p.name ?? null,
      p.period_type ?? null,
      p.start_date ?? null,
      p.end_date ?? null,
      p.team_quota ?? null,
    ],
  );
  if (!rows[0]) throw new NotFoundError('quota period');
  return toPeriod(rows[0]);
}

export async function deleteQuotaPeriod(q: Queryable, workspaceId: string, periodId: string): Promise<void> {
  const { rowCount } = await q.query(
    'DELETE FROM quota_periods WHERE workspace_id = $1::uuid AND id = $2::uuid',
    [workspaceId, periodId],
  );
  if (rowCount === 0) throw new NotFoundError('quota period');
}

export async function listRepQuotas(
  q: Queryable,
  workspaceId: string,
  periodId: string,
): Promise<RepQuota[]> {
  const { rows } = await q.query<RepQuotaRow>(
    `SELECT ${REP_COLUMNS} FROM rep_quotas WHERE workspace_id = $1::uuid AND period_id = $2::uuid ORDER BY lower(rep_email)`,
    [workspaceId, periodId],
  );
  return rows.map(toRepQuota);
}

/** Sets (inserts or replaces) one rep's quota in a period; emails compare case-insensitively. */
export async function setRepQuota(
  q: Queryable,
  workspaceId: string,
  periodId: string,
  input: { rep_email: string; quota_amount: number },
): Promise<RepQuota> {
  const period = await q.query(
    'SELECT 1 FROM quota_periods WHERE workspace_id = $1::uuid AND id = $2::uuid',
    [workspaceId, periodId],
  );
  if (period.rowCount === 0) throw new NotFoundError('quota period');
  const { rows } = await q.query<RepQuotaRow>(
    /* sql */ `INSERT INTO rep_quotas (workspace_id, period_id, rep_email, quota_amount)
     VALUES ($1::uuid, $2::uuid, $3, $4::numeric)
     ON CONFLICT (workspace_id, period_id, lower(rep_email))
     DO UPDATE SET quota_amount = EXCLUDED.quota_amount, rep_email = EXCLUDED.rep_email, updated_at = now()
     RETURNING ${REP_COLUMNS}`,
    [workspaceId, periodId, input.rep_email, input.quota_amount],
  );
  return toRepQuota(rows[0]!);
}

export async function deleteRepQuota(
  q: Queryable,
  workspaceId: string,
  periodId: string,
  repQuotaId: string,
) {
  const { rowCount } = await q.query(
    'DELETE FROM rep_quotas WHERE workspace_id = $1::uuid AND period_id = $2::uuid AND id = $3::uuid',
    [workspaceId, periodId, repQuotaId],
  );
  if (rowCount === 0) throw new NotFoundError('rep quota');
}

export type QuotaConfig =
  | {
      source: 'quota_period';
      period: QuotaPeriod;
      team_quota: number;
      rep_quotas: Array<{ rep_email: string; quota_amount: number }>;
    }
  | {
      source: 'context_layer';
      period: { period_type: 'month' | 'quarter' | 'year'; start_date: string; end_date: string };
      team_quota: number | null;
      rep_quotas: Array<{ rep_email: string; quota_amount: number }>;
    }
  | { source: 'none'; period: null; team_quota: null; rep_quotas: [] };

/**
 * The quota in force on `date` (YYYY-MM-DD). Overlapping periods resolve to the narrowest one (a month
 * inside a quarter), then the latest start.
 */
export async function checkQuotaConfig(
  q: Queryable,
  workspaceId: string,
  date: string,
): Promise<QuotaConfig> {
  const { rows } = await q.query<PeriodRow>(
    /* sql */ `SELECT ${PERIOD_COLUMNS} FROM quota_periods
     WHERE workspace_id = $1::uuid AND start_date <= $2::date AND end_date >= $2::date
     ORDER BY end_date - start_date, start_date DESC, id
     LIMIT 1`,
    [workspaceId, date],
  );
  if (rows[0]) {
    const period = toPeriod(rows[0]);
    const reps = await listRepQuotas(q, workspaceId, period.id);
    return {
      source: 'quota_period',
      period,
      team_quota: period.team_quota,
      rep_quotas: reps.map((r) => ({ rep_email: r.rep_email, quota_amount: r.quota_amount })),
    };
  }
  const goals = (await getContextLayer(q, workspaceId)).goals_and_targets;
  const period_type =
    goals.quarterly_quota !== undefined
      ? 'quarter'
      : goals.monthly_quota !== undefined
        ? 'month'
        : goals.annual_target !== undefined
          ? 'year'
          : null;
  if (period_type === null && !goals.rep_quotas?.length)
    return { source: 'none', period: null, team_quota: null, rep_quotas: [] };
  const type = period_type ?? goals.rep_quotas?.[0]?.period ?? 'quarter';
  const team_quota =
    type === 'quarter'
      ? (goals.quarterly_quota ?? null)
      : type === 'month'
        ? (goals.monthly_quota ?? null)
        : (goals.annual_target ?? null);
  return {
    source: 'context_layer',
    period: { period_type: type, ...calendarPeriod(date, type, goals.fiscal_year_start_month ?? 1) },
    team_quota,
    rep_quotas: (goals.rep_quotas ?? [])
      .filter((r) => r.period === type)
      .map((r) => ({ rep_email: r.rep_email, quota_amount: r.quota_amount })),
  };
}

/** The fiscal month/quarter/year containing `date`, as inclusive YYYY-MM-DD bounds. */
export function calendarPeriod(
  date: string,
  type: 'month' | 'quarter' | 'year',
  fiscalYearStartMonth: number,
): { start_date: string; end_date: string } {
  const [y, m] = date.split('-').map(Number) as [number, number];
  const months = type === 'month' ? 1 : type === 'quarter' ? 3 : 12;
  // Months since the fiscal year's first month, then snapped down to the period's length.
  const offset = (m - fiscalYearStartMonth + 12) % 12;
  const startOffset = offset - (offset % months);
  const start = new Date(Date.UTC(y, m - 1 - offset + startOffset, 1));
  const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + months, 0));
  return { start_date: start.toISOString().slice(0, 10), end_date: end.toISOString().slice(0, 10) };
}
