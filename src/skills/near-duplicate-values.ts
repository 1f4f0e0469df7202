/**
 * Near-duplicate values of categorical fields: "Software" beside "software", "Sofware" and "Soft-ware".
 * Values are compared in a normalised form (case, accents, punctuation and spacing removed) and by edit
 * distance; each cluster is reported with its counts and a suggested merge into its most used value.
 * Runs on the distinct values and their counts (a few hundred per field), never on rows.
 */
import type { Queryable } from '../db/db.ts';

// Categorical columns a RevOps team filters and reports on (identifiers spliced into SQL come only from here).
export const CATEGORICAL_FIELDS: Readonly<Record<string, readonly string[]>> = {
  accounts: ['industry', 'country'],
  contacts: ['department', 'seniority'],
  deals: ['lead_source', 'deal_type', 'forecast_category'],
  leads: ['lead_source', 'status'],
};

// The most used values per field considered; a field with more distinct values is free text, not a category.
const MAX_VALUES = 300;

export interface ValueCount {
  value: string;
  count: number;
}
export interface NearDuplicateCluster {
  entity: string;
  field: string;
  /** The suggested value: the most used of the cluster. */
  merge_into: string;
  values: ValueCount[];
  /** Records that would change. */
  records_to_fix: number;
}

export function normaliseValue(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

/** Levenshtein distance, stopping early once it exceeds `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/** Whether two normalised values are probably one value typed two ways. */
function near(a: string, b: string): boolean {
  if (a === b) return true;
  const shorter = Math.min(a.length, b.length);
  // Short codes (EU/US, Q1/Q2) and values differing in their digits are distinct values, not typos.
  if (shorter < 5 || a.replace(/\D/g, '') !== b.replace(/\D/g, '')) return false;
  return editDistance(a, b, shorter >= 9 ? 2 : 1) <= (shorter >= 9 ? 2 : 1);
}

/** Clusters of near-duplicate values among `values` (most used first). */
export function clusterValues(values: readonly ValueCount[]): ValueCount[][] {
  const sorted = [...values].sort((x, y) => y.count - x.count || x.value.localeCompare(y.value));
  const norms = sorted.map((v) => normaliseValue(v.value));
  const owner = new Array<number>(sorted.length).fill(-1);
  const clusters: number[][] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (owner[i] !== -1 || norms[i] === '') continue;
    const members = [i];
    owner[i] = clusters.length;
    // Each value joins the cluster of the most used value it is near: clusters never chain A~B~C
    // into one when A and C are far apart.
    for (let j = i + 1; j < sorted.length; j++) {
      if (owner[j] === -1 && norms[j] !== '' && near(norms[i]!, norms[j]!)) {
        owner[j] = clusters.length;
        members.push(j);
      }
    }
    clusters.push(members);
  }
  return clusters.filter((c) => c.length > 1).map((c) => c.map((k) => sorted[k]!));
}

export async function nearDuplicateValues(
  tx: Queryable,
  workspaceId: string,
): Promise<NearDuplicateCluster[]> {
  const out: NearDuplicateCluster[] = [];
  for (const [table, fields] of Object.entries(CATEGORICAL_FIELDS)) {
    const { rows } = await tx.query<{ field: string; values: ValueCount[] }>(
      fields
        .map(
          (
            f,
          ) => /* sql */ `SELECT '${f}' AS field, coalesce((SELECT jsonb_agg(jsonb_build_object('value', v, 'count', n) ORDER BY n DESC, v)
             FROM (SELECT ${f} AS v, count(*)::int AS n FROM ${table}
                   WHERE workspace_id = $1::uuid AND coalesce(btrim(${f}), '') <> ''
                   GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${MAX_VALUES + 1}) x), '[]'::jsonb) AS values`,
        )
        .join(' UNION ALL '),
      [workspaceId],
    );
    for (const { field, values } of rows) {
      if (values.length > MAX_VALUES) continue;
      for (const cluster of clusterValues(values)) {
        const [main, ...rest] = cluster;
        out.push({
          entity: table,
          field,
          merge_into: main!.value,
          values: cluster,
          records_to_fix: rest.reduce((s, v) => s + v.count, 0),
        });
      }
    }
  }
  return out.sort((a, b) => b.records_to_fix - a.records_to_fix || a.field.localeCompare(b.field));
}
