/**
 * The features an ICP is learned from and scored on, as SQL: one row per (closed deal, factor, value)
 * for learning, and one per (entity, factor, value) for scoring, with the same vocabulary on both sides
 * (bands, seniority and department spelled alike), so a weight learned from deals applies to a lead.
 */
import type { Queryable } from '../db/db.ts';
import { EACH_KEY, NORMALISED_KEY } from '../skills/custom-field-discovery.ts';

export const FACTORS = [
  'industry',
  'employee_band',
  'revenue_band',
  'country',
  'seniority',
  'department',
  'buying_role',
  'title',
  'signal',
  'custom_field',
] as const;
export type Factor = (typeof FACTORS)[number];

/** Factors a score adds up: one value per entity and factor (the best one when an entity has several). */
export const SCORED_FACTORS: readonly Factor[] = [
  'industry',
  'employee_band',
  'country',
  'seniority',
  'department',
  'signal',
  'custom_field',
];

export const employeeBand = (col: string) => /* sql */ `CASE
  WHEN ${col} IS NULL OR ${col} <= 0 THEN NULL WHEN ${col} < 50 THEN '1-49' WHEN ${col} < 200 THEN '50-199'
  WHEN ${col} < 1000 THEN '200-999' WHEN ${col} < 5000 THEN '1000-4999' ELSE '5000+' END`;

export const revenueBand = (col: string) => /* sql */ `CASE
  WHEN ${col} IS NULL OR ${col} <= 0 THEN NULL WHEN ${col} < 1000000 THEN '<1M' WHEN ${col} < 10000000 THEN '1M-10M'
  WHEN ${col} < 100000000 THEN '10M-100M' WHEN ${col} < 1000000000 THEN '100M-1B' ELSE '1B+' END`;

// A title's seniority where the CRM gives none (leads never do): the contacts' vocabulary.
const seniorityFromTitle = (col: string) => /* sql */ `CASE
  WHEN ${col} IS NULL OR btrim(${col}) = '' THEN NULL
  WHEN ${col} ~* '\\m(chief|ceo|cfo|cto|coo|cro|cmo|cio|president|founder|owner)\\M' THEN 'c_level'
  WHEN ${col} ~* '\\m(vp|svp|evp|vice president|head of)\\M' THEN 'vp'
  WHEN ${col} ~* '\\mdirector\\M' THEN 'director'
  WHEN ${col} ~* '\\mmanager\\M' THEN 'manager'
  ELSE 'individual_contributor' END`;

const departmentFromTitle = (col: string) => /* sql */ `CASE
  WHEN ${col} ~* '\\m(ceo|chief executive|president|founder)\\M' THEN 'executive'
  WHEN ${col} ~* '\\m(finance|financial|cfo|controller|accounting)\\M' THEN 'finance'
  WHEN ${col} ~* '\\m(revenue operations|operations|coo|data)\\M' THEN 'operations'
  WHEN ${col} ~* '\\m(engineering|engineer|cto|software|developer)\\M' THEN 'engineering'
  WHEN ${col} ~* '\\m(it|cio|information technology|solutions architect)\\M' THEN 'it'
  WHEN ${col} ~* '\\m(procurement|purchasing)\\M' THEN 'procurement'
  WHEN ${col} ~* '\\m(marketing|cmo)\\M' THEN 'marketing'
  WHEN ${col} ~* '\\m(sales|cro|account executive|revenue)\\M' THEN 'sales'
  ELSE NULL END`;

const SENIORITY_RANK = (col: string) =>
  `CASE ${col} WHEN 'c_level' THEN 1 WHEN 'vp' THEN 2 WHEN 'director' THEN 3 WHEN 'manager' THEN 4 WHEN 'individual_contributor' THEN 5 ELSE 6 END`;

export const seniorityOf = (seniority: string, title: string) =>
  `coalesce(nullif(lower(btrim(${seniority})), ''), ${seniorityFromTitle(title)})`;
export const departmentOf = (department: string, title: string) =>
  `coalesce(nullif(lower(btrim(${department})), ''), ${departmentFromTitle(title)})`;
const lowerText = (col: string) => `nullif(lower(btrim(${col})), '')`;

// An account's custom fields as `field=value` (string and boolean values), fields unified by name as
// custom-field-discovery unifies them.
const customFieldValues = (alias: string) => /* sql */ `
  SELECT ${alias}.id, 'custom_field' AS factor, ${NORMALISED_KEY} || '=' || lower(k.value #>> '{}') AS value
  FROM ${EACH_KEY(`${alias}.custom_fields`)} WHERE jsonb_typeof(k.value) IN ('string', 'boolean')`;

/** Per account: firmographics, the signals found for it, custom fields. `$1` is the workspace. */
const ACCOUNT_FIRMOGRAPHICS = /* sql */ `
  SELECT a.id, 'industry' AS factor, ${lowerText('a.industry')} AS value FROM accounts a WHERE a.workspace_id = $1::uuid
  UNION ALL SELECT a.id, 'employee_band', ${employeeBand('a.employee_count')} FROM accounts a WHERE a.workspace_id = $1::uuid
  UNION ALL SELECT a.id, 'revenue_band', ${revenueBand('a.annual_revenue')} FROM accounts a WHERE a.workspace_id = $1::uuid
  UNION ALL SELECT a.id, 'country', ${lowerText('a.country')} FROM accounts a WHERE a.workspace_id = $1::uuid
  UNION ALL SELECT s.account_id, 'signal', s.signal_type FROM account_signals s WHERE s.workspace_id = $1::uuid
  UNION ALL SELECT f.* FROM accounts a CROSS JOIN LATERAL (${customFieldValues('a')}) f WHERE a.workspace_id = $1::uuid`;

/**
 * Closed deals and their features: `(deal_id, account_id, won, factor, value)`. `$1` is the workspace,
 * `$2` a date (or null): only deals closed before it are learned from (a training cut).
 */
export const DEAL_FEATURES_SQL = /* sql */ `
WITH closed AS (
  SELECT d.id, d.account_id, d.is_won AS won, coalesce(d.closed_at::date, d.close_date) AS closed_on
  FROM deals d
  WHERE d.workspace_id = $1::uuid AND d.is_closed AND d.deleted_at IS NULL
    AND ($2::date IS NULL OR coalesce(d.closed_at::date, d.close_date) < $2::date)
),
firmographics AS (
  SELECT a.id, 'industry' AS factor, ${lowerText('a.industry')} AS value FROM accounts a WHERE a.workspace_id = $1::uuid
  UNION ALL SELECT a.id, 'employee_band', ${employeeBand('a.employee_count')} FROM accounts a WHERE a.workspace_id = $1::uuid
  UNION ALL SELECT a.id, 'revenue_band', ${revenueBand('a.annual_revenue')} FROM accounts a WHERE a.workspace_id = $1::uuid
  UNION ALL SELECT a.id, 'country', ${lowerText('a.country')} FROM accounts a WHERE a.workspace_id = $1::uuid
  UNION ALL SELECT f.* FROM accounts a CROSS JOIN LATERAL (${customFieldValues('a')}) f WHERE a.workspace_id = $1::uuid
),
committee AS (
  SELECT dc.deal_id, ${seniorityOf('coalesce(dc.seniority, c.seniority)', 'c.title')} AS seniority,
         ${departmentOf('coalesce(dc.department, c.department)', 'c.title')} AS department,
         ${lowerText('coalesce(dc.buying_role, dc.role)')} AS buying_role, ${lowerText('c.title')} AS title
  FROM deal_contacts dc JOIN contacts c ON c.workspace_id = dc.workspace_id AND c.id = dc.contact_id
  WHERE dc.workspace_id = $1::uuid AND dc.deal_id IN (SELECT id FROM closed)
),
-- The committee's most senior person stands for its seniority and department: one value per deal, so a
-- larger committee does not lift every seniority at once (won deals have larger committees).
top AS (
  SELECT DISTINCT ON (deal_id) deal_id, seniority, department FROM committee
  ORDER BY deal_id, ${SENIORITY_RANK('seniority')}, department NULLS LAST
)
SELECT x.id AS deal_id, x.account_id, x.won, f.factor, f.value FROM closed x JOIN firmographics f ON f.id = x.account_id
UNION ALL SELECT x.id, x.account_id, x.won, v.factor, v.value FROM closed x JOIN top t ON t.deal_id = x.id
  CROSS JOIN LATERAL (VALUES ('seniority', t.seniority), ('department', t.department)) v(factor, value)
UNION ALL SELECT x.id, x.account_id, x.won, v.factor, v.value FROM closed x JOIN committee m ON m.deal_id = x.id
  CROSS JOIN LATERAL (VALUES ('buying_role', m.buying_role), ('title', m.title)) v(factor, value)
UNION ALL SELECT x.id, x.account_id, x.won, 'signal', s.signal_type FROM closed x
  JOIN account_signals s ON s.workspace_id = $1::uuid AND s.account_id = x.account_id
   AND coalesce(s.published_at, s.found_at::date) <= x.closed_on`;

export interface FeatureCount {
  factor: Factor;
  value: string;
  /** Closed deals with the feature, of them won, and the distinct accounts behind them. */
  deals: number;
  won: number;
  accounts: number;
}

export interface TrainingSet {
  deals: number;
  won: number;
  accounts: number;
  won_deal_ids: string[];
  lost_deal_ids: string[];
  counts: FeatureCount[];
}

/** Ids of the deals learned from are kept up to this many per outcome (the counts are always whole). */
export const LEARNED_FROM_IDS = 5000;

export async function trainingSet(
  q: Queryable,
  workspaceId: string,
  closedBefore: string | null,
): Promise<TrainingSet> {
  const { rows: totals } = await q.query<Omit<TrainingSet, 'counts'>>(
    /* sql */ `SELECT count(*)::int AS deals, count(*) FILTER (WHERE is_won)::int AS won,
       count(DISTINCT account_id)::int AS accounts,
       coalesce((array_agg(id ORDER BY id) FILTER (WHERE is_won))[1:${LEARNED_FROM_IDS}], '{}') AS won_deal_ids,
       coalesce((array_agg(id ORDER BY id) FILTER (WHERE NOT is_won))[1:${LEARNED_FROM_IDS}], '{}') AS lost_deal_ids
     FROM deals WHERE workspace_id = $1::uuid AND is_closed AND deleted_at IS NULL
       AND ($2::date IS NULL OR coalesce(closed_at::date, close_date) < $2::date)`,
    [workspaceId, closedBefore],
  );
  const { rows: counts } = await q.query<FeatureCount>(
    /* sql */ `SELECT factor, value, count(DISTINCT deal_id)::int AS deals,
       count(DISTINCT deal_id) FILTER (WHERE won)::int AS won, count(DISTINCT account_id)::int AS accounts
     FROM (${DEAL_FEATURES_SQL}) f WHERE value IS NOT NULL GROUP BY factor, value ORDER BY factor, value`,
    [workspaceId, closedBefore],
  );
  return { ...totals[0]!, counts };
}

export type ScoredEntity = 'lead' | 'contact' | 'account';

/**
 * `(id, factor, value)` of every live entity of one type, `$1` the workspace. An entity with no value
 * for a factor has no row for it (it scores neutral there). Contacts take their account's firmographics,
 * leads their own fields (a CRM lead carries its company's) or else the account they converted into.
 */
export function entityFeaturesSql(entity: ScoredEntity): string {
  if (entity === 'account')
    return /* sql */ `
      SELECT * FROM (${ACCOUNT_FIRMOGRAPHICS}) f
      UNION ALL SELECT c.account_id, 'seniority', ${seniorityOf('c.seniority', 'c.title')} FROM contacts c
        WHERE c.workspace_id = $1::uuid AND c.account_id IS NOT NULL AND c.deleted_at IS NULL
      UNION ALL SELECT c.account_id, 'department', ${departmentOf('c.department', 'c.title')} FROM contacts c
        WHERE c.workspace_id = $1::uuid AND c.account_id IS NOT NULL AND c.deleted_at IS NULL`;
  if (entity === 'contact')
    return /* sql */ `
      SELECT c.id, f.factor, f.value FROM contacts c JOIN (${ACCOUNT_FIRMOGRAPHICS}) f ON f.id = c.account_id
        WHERE c.workspace_id = $1::uuid
      UNION ALL SELECT c.id, 'seniority', ${seniorityOf('c.seniority', 'c.title')} FROM contacts c WHERE c.workspace_id = $1::uuid
      UNION ALL SELECT c.id, 'department', ${departmentOf('c.department', 'c.title')} FROM contacts c WHERE c.workspace_id = $1::uuid`;
  const cf = (...keys: string[]) => `coalesce(${keys.map((k) => `l.custom_fields->>'${k}'`).join(', ')})`;
  const employees = `CASE WHEN ${cf('employee_count', 'numberofemployees', 'NumberOfEmployees')} ~ '^[0-9]{1,9}$'
    THEN ${cf('employee_count', 'numberofemployees', 'NumberOfEmployees')}::int END`;
  return /* sql */ `
    SELECT l.id, 'industry' AS factor, coalesce(${lowerText(cf('industry', 'Industry'))}, ${lowerText('a.industry')}) AS value
      FROM leads l LEFT JOIN accounts a ON a.workspace_id = l.workspace_id AND a.id = l.converted_account_id
      WHERE l.workspace_id = $1::uuid
    UNION ALL SELECT l.id, 'employee_band', coalesce(${employeeBand(employees)}, ${employeeBand('a.employee_count')})
      FROM leads l LEFT JOIN accounts a ON a.workspace_id = l.workspace_id AND a.id = l.converted_account_id
      WHERE l.workspace_id = $1::uuid
    UNION ALL SELECT l.id, 'country', coalesce(${lowerText(cf('country', 'Country'))}, ${lowerText('a.country')})
      FROM leads l LEFT JOIN accounts a ON a.workspace_id = l.workspace_id AND a.id = l.converted_account_id
      WHERE l.workspace_id = $1::uuid
    UNION ALL SELECT l.id, 'seniority', ${seniorityOf('NULL', 'l.title')} FROM leads l WHERE l.workspace_id = $1::uuid
    UNION ALL SELECT l.id, 'department', ${departmentOf('NULL', 'l.title')} FROM leads l WHERE l.workspace_id = $1::uuid`;
}
