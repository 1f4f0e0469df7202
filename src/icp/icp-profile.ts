/**
 * The ICP profile: from the closed deals' feature counts (icp-features.ts), each feature's win rate,
 * lift against the base rate, support (deals, accounts) and Fisher's exact p-value; the features that
 * separate won from lost reliably carry a weight (the log odds ratio) that scoring adds up. Profiles are
 * versioned: a new one takes the current flag, the old ones stay as they were.
 */
import type { Queryable } from '../db/db.ts';
import { NotFoundError } from '../errors.ts';
import { fisherExactP } from '../skills/win-rate-statistics.ts';
import { type Factor, SCORED_FACTORS, type TrainingSet } from './icp-features.ts';

export interface IcpOptions {
  /** Closed deals (and distinct accounts) a feature needs before it is judged. */
  min_deals: number;
  min_accounts: number;
  alpha: number;
  /** Closed deals, and of each outcome, the whole profile needs. */
  min_closed_deals: number;
}

export interface IcpFeature {
  factor: Factor;
  value: string;
  deals: number;
  won: number;
  accounts: number;
  win_rate: number;
  /** Win rate with the feature over the base win rate. */
  lift: number;
  p_value: number | null;
  verdict: 'signal' | 'no_signal' | 'too_little_data';
  /** Points a match earns before scaling (log odds ratio); null when it is not a reliable separator. */
  weight: number | null;
}

export interface IcpModel {
  firmographic_weights: IcpFeature[];
  personas: { seniority: IcpFeature[]; departments: IcpFeature[]; titles: IcpFeature[] };
  committee_patterns: {
    buying_roles: IcpFeature[];
    won_committee_size: number | null;
    lost_committee_size: number | null;
  };
  features: IcpFeature[];
  learned_from: {
    deals: number;
    won: number;
    lost: number;
    accounts: number;
    base_win_rate: number;
    closed_before: string | null;
    won_deal_ids: string[];
    lost_deal_ids: string[];
    min_support: { deals: number; accounts: number };
    alpha: number;
  };
}

const WEIGHT_CAP = 3;

export function judgeFeatures(set: TrainingSet, opts: IcpOptions): IcpFeature[] {
  const N = set.deals;
  const W = set.won;
  const base = N === 0 ? 0 : W / N;
  return set.counts
    .map((c): IcpFeature => {
      const winRate = c.deals === 0 ? 0 : c.won / c.deals;
      const supported = c.deals >= opts.min_deals && c.accounts >= opts.min_accounts && c.deals < N;
      const p = supported ? fisherExactP(c.won, c.deals - c.won, W - c.won, N - c.deals - (W - c.won)) : null;
      const verdict = p === null ? 'too_little_data' : p < opts.alpha ? 'signal' : 'no_signal';
      // Log odds ratio with and without the feature, half a deal added to each cell (no infinities).
      const or =
        (c.won + 0.5) / (c.deals - c.won + 0.5) / ((W - c.won + 0.5) / (N - c.deals - (W - c.won) + 0.5));
      const weight = verdict === 'signal' ? Math.max(-WEIGHT_CAP, Math.min(WEIGHT_CAP, Math.log(or))) : null;
      return {
        factor: c.factor,
        value: c.value,
        deals: c.deals,
        won: c.won,
        accounts: c.accounts,
        win_rate: round(winRate, 4),
        lift: base === 0 ? 0 : round(winRate / base, 3),
        p_value: p,
        verdict,
        weight: weight === null ? null : round(weight, 4),
      };
    })
    .sort(
      (a, b) =>
        Math.abs(b.weight ?? 0) - Math.abs(a.weight ?? 0) ||
        (a.p_value ?? 2) - (b.p_value ?? 2) ||
        b.deals - a.deals,
    );
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function buildModel(
  set: TrainingSet,
  features: IcpFeature[],
  committee: { won: number | null; lost: number | null },
  closedBefore: string | null,
  opts: IcpOptions,
): IcpModel {
  const of = (...factors: Factor[]) => features.filter((f) => factors.includes(f.factor));
  return {
    firmographic_weights: of(
      'industry',
      'employee_band',
      'revenue_band',
      'country',
      'signal',
      'custom_field',
    ),
    personas: { seniority: of('seniority'), departments: of('department'), titles: of('title') },
    committee_patterns: {
      buying_roles: of('buying_role'),
      won_committee_size: committee.won,
      lost_committee_size: committee.lost,
    },
    features,
    learned_from: {
      deals: set.deals,
      won: set.won,
      lost: set.deals - set.won,
      accounts: set.accounts,
      base_win_rate: set.deals === 0 ? 0 : round(set.won / set.deals, 4),
      closed_before: closedBefore,
      won_deal_ids: set.won_deal_ids,
      lost_deal_ids: set.deals - set.won > 0 ? set.lost_deal_ids : [],
      min_support: { deals: opts.min_deals, accounts: opts.min_accounts },
      alpha: opts.alpha,
    },
  };
}

/** The weights scoring applies: reliable separators of the factors a score adds up. */
export function scoringWeights(model: Pick<IcpModel, 'features'>): IcpFeature[] {
  return model.features.filter((f) => f.weight !== null && SCORED_FACTORS.includes(f.factor));
}

/** Average committee size (contacts on the deal) of won and of lost deals in the training set. */
export async function committeeSizes(q: Queryable, workspaceId: string, closedBefore: string | null) {
  const { rows } = await q.query<{ won: number | null; lost: number | null }>(
    /* sql */ `SELECT round(avg(n) FILTER (WHERE is_won), 2)::float8 AS won, round(avg(n) FILTER (WHERE NOT is_won), 2)::float8 AS lost
     FROM (SELECT d.is_won, (SELECT count(*) FROM deal_contacts dc WHERE dc.workspace_id = d.workspace_id AND dc.deal_id = d.id) AS n
           FROM deals d WHERE d.workspace_id = $1::uuid AND d.is_closed AND d.deleted_at IS NULL
             AND ($2::date IS NULL OR coalesce(d.closed_at::date, d.close_date) < $2::date)) x`,
    [workspaceId, closedBefore],
  );
  return rows[0] ?? { won: null, lost: null };
}

export interface IcpProfileRow {
  id: string;
  version: number;
  is_current: boolean;
  firmographic_weights: IcpFeature[];
  personas: IcpModel['personas'];
  committee_patterns: IcpModel['committee_patterns'];
  features: IcpFeature[];
  learned_from: IcpModel['learned_from'];
  summary: string | null;
  summary_source: string | null;
  created_at: string;
}

/** Writes the next version and makes it the only current one. */
export async function writeProfile(
  q: Queryable,
  workspaceId: string,
  model: IcpModel,
  summary: string,
): Promise<{ id: string; version: number; previous_version: number | null }> {
  const { rows: prev } = await q.query<{ version: number }>(
    `UPDATE icp_profiles SET is_current = false WHERE workspace_id = $1::uuid AND is_current RETURNING version`,
    [workspaceId],
  );
  const { rows } = await q.query<{ id: string; version: number }>(
    /* sql */ `INSERT INTO icp_profiles (workspace_id, version, firmographic_weights, personas, committee_patterns,
       features, learned_from, summary, summary_source, is_current)
     SELECT $1::uuid, coalesce(max(version), 0) + 1, $2::jsonb, $3::jsonb, $4::jsonb, $5::jsonb, $6::jsonb, $7::text,
       'compute', true
     FROM icp_profiles WHERE workspace_id = $1::uuid
     RETURNING id, version`,
    [
      workspaceId,
      JSON.stringify(model.firmographic_weights),
      JSON.stringify(model.personas),
      JSON.stringify(model.committee_patterns),
      JSON.stringify(model.features),
      JSON.stringify(model.learned_from),
      summary,
    ],
  );
  return { ...rows[0]!, previous_version: prev[0]?.version ?? null };
}

const PROFILE_COLUMNS = `id, version, is_current, firmographic_weights, personas, committee_patterns, features,
  learned_from, summary, summary_source, created_at`;

export async function currentProfile(q: Queryable, workspaceId: string): Promise<IcpProfileRow> {
  const { rows } = await q.query<IcpProfileRow>(
    `SELECT ${PROFILE_COLUMNS} FROM icp_profiles WHERE workspace_id = $1::uuid AND is_current`,
    [workspaceId],
  );
  if (!rows[0]) throw new NotFoundError('ICP profile (run the icp-discovery skill first)');
  return toApi(rows[0]);
}

export interface IcpProfileVersion {
  id: string;
  version: number;
  is_current: boolean;
  learned_from: { deals: number; won: number; lost: number; closed_before: string | null };
  signals: number;
  created_at: string;
}

/** Every version, newest first, without the per-feature lists. */
export async function listProfiles(q: Queryable, workspaceId: string): Promise<IcpProfileVersion[]> {
  const { rows } = await q.query<IcpProfileVersion>(
    /* sql */ `SELECT id, version, is_current,
       jsonb_build_object('deals', (learned_from->>'deals')::int, 'won', (learned_from->>'won')::int,
         'lost', (learned_from->>'lost')::int, 'closed_before', learned_from->>'closed_before') AS learned_from,
       (SELECT count(*)::int FROM jsonb_array_elements(features) f WHERE f->>'verdict' = 'signal') AS signals,
       created_at
     FROM icp_profiles WHERE workspace_id = $1::uuid ORDER BY version DESC LIMIT 500`,
    [workspaceId],
  );
  return rows.map(toApi);
}

function toApi<T extends { created_at: unknown }>(row: T): T {
  const at = row.created_at;
  return { ...row, created_at: at instanceof Date ? at.toISOString() : at };
}
