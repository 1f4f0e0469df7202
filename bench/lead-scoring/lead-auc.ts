/**
 * How well lead scores rank later conversion on held-out leads: the AUC (the chance a converted lead
 * outscores an unconverted one, ties counting half) and the cohort comparison (mean score and grades of
 * converted vs unconverted).
 */
import type { Queryable } from '../../src/db/db.ts';
import { companyFit, leadFit } from '../../src/generator/planted-icp.ts';
import { JOB_TITLES } from '../../src/generator/vocabulary.ts';

export interface ScoredLead {
  score: number;
  grade: string;
  converted: boolean;
}

export function auc(rows: readonly ScoredLead[]): number | null {
  const sorted = [...rows].sort((a, b) => a.score - b.score);
  const positives = rows.filter((r) => r.converted).length;
  const negatives = rows.length - positives;
  if (positives === 0 || negatives === 0) return null;
  // Mann–Whitney U from average ranks.
  let rankSum = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j]!.score === sorted[i]!.score) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (sorted[k]!.converted) rankSum += avgRank;
    i = j;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function cohorts(rows: readonly ScoredLead[]) {
  const of = (converted: boolean) => {
    const group = rows.filter((r) => r.converted === converted);
    const grades: Record<string, number> = { A: 0, B: 0, C: 0, D: 0, F: 0 };
    for (const r of group) grades[r.grade] = (grades[r.grade] ?? 0) + 1;
    const mean = group.length === 0 ? null : group.reduce((s, r) => s + r.score, 0) / group.length;
    return { leads: group.length, mean_score: mean === null ? null : Math.round(mean * 10) / 10, grades };
  };
  return { converted: of(true), unconverted: of(false) };
}

/** Leads created on or after `from`, with their current score and whether they converted. */
export async function heldOutLeads(q: Queryable, workspaceId: string, from: string): Promise<ScoredLead[]> {
  const { rows } = await q.query<ScoredLead>(
    /* sql */ `SELECT icp_score AS score, icp_grade AS grade, is_converted AS converted FROM leads
     WHERE workspace_id = $1::uuid AND deleted_at IS NULL AND icp_score IS NOT NULL
       AND coalesce(source_created_at, created_at) >= $2::date`,
    [workspaceId, from],
  );
  return rows;
}

/**
 * The same held-out leads ranked by the fit the generator planted (0–3): the best a score learned from
 * deals could hope for, printed beside the learned scores' AUC as its ceiling.
 */
export async function plantedFitLeads(
  q: Queryable,
  workspaceId: string,
  from: string,
): Promise<ScoredLead[]> {
  const { rows } = await q.query<{ industry: string; employees: number; title: string; converted: boolean }>(
    /* sql */ `SELECT custom_fields->>'industry' AS industry, (custom_fields->>'employee_count')::int AS employees,
       title, is_converted AS converted FROM leads
     WHERE workspace_id = $1::uuid AND deleted_at IS NULL AND coalesce(source_created_at, created_at) >= $2::date`,
    [workspaceId, from],
  );
  const seniority = new Map(JOB_TITLES.map((j) => [j.title, j.seniority as string]));
  return rows.map((r) => ({
    score: leadFit(companyFit(r.industry, r.employees), seniority.get(r.title) ?? ''),
    grade: '',
    converted: r.converted,
  }));
}
