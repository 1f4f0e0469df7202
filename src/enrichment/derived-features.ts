/**
 * Step 6: derived features. Per contact: tenure at the deal's close from Apollo's current job, seniority
 * and department (Apollo's when it answered, marked verified; the CRM's otherwise). Per deal: committee
 * size, the roles present and missing, signals seen before the close, written to deal_enrichments. Across
 * the workspace: which roles were present on won vs lost deals (committee coverage).
 */
import type { Queryable } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import type { DealContext } from './deal-context.ts';
import { BACKGROUND, type EnrichmentStep, type PipelineState } from './enrichment-steps.ts';
import { BUYING_ROLES } from './role-resolution.ts';

const APOLLO_SENIORITY: Readonly<Record<string, string>> = {
  owner: 'c_level',
  founder: 'c_level',
  c_suite: 'c_level',
  partner: 'c_level',
  vp: 'vp',
  head: 'vp',
  director: 'director',
  manager: 'manager',
  senior: 'individual_contributor',
  entry: 'individual_contributor',
  intern: 'individual_contributor',
};

interface ApolloPersonData {
  seniority?: string | null;
  departments?: string[] | null;
  employment_history?: Array<{
    current?: boolean | null;
    start_date?: string | null;
    end_date?: string | null;
  }> | null;
}

/** Whole months from the current job's start to `asOf` (null when Apollo gives no start). */
export function tenureMonths(person: ApolloPersonData | null, asOf: string): number | null {
  const job = person?.employment_history?.find(
    (j) => j.current === true || (j.current == null && !j.end_date),
  );
  if (!job?.start_date || !/^\d{4}-\d{2}-\d{2}/.test(job.start_date)) return null;
  const [y1, m1, d1] = job.start_date.slice(0, 10).split('-').map(Number) as [number, number, number];
  const [y2, m2, d2] = asOf.slice(0, 10).split('-').map(Number) as [number, number, number];
  const months = (y2 - y1) * 12 + (m2 - m1) - (d2 < d1 ? 1 : 0);
  return Math.max(0, months);
}

export function departmentOf(person: ApolloPersonData | null): string | null {
  const d = person?.departments?.find((x) => typeof x === 'string' && x.trim());
  return d ? d.replace(/^master_/, '') : null;
}

interface LinkRow {
  id: string;
  deal_id: string;
  contact_id: string;
  buying_role: string | null;
  enrichment_status: string | null;
  apollo_data: ApolloPersonData | null;
  crm_seniority: string | null;
  crm_department: string | null;
}

async function contactFeatures(q: Queryable, workspaceId: string, deals: readonly DealContext[]) {
  const ids = deals.flatMap((d) => d.contacts.map((c) => c.deal_contact_id));
  const { rows } = await q.query<LinkRow>(
    /* sql */ `SELECT dc.id, dc.deal_id, dc.contact_id, dc.buying_role, dc.enrichment_status, dc.apollo_data,
       c.seniority AS crm_seniority, c.department AS crm_department
     FROM deal_contacts dc JOIN contacts c ON c.workspace_id = dc.workspace_id AND c.id = dc.contact_id
     WHERE dc.workspace_id = $1::uuid AND dc.id = ANY($2::uuid[])`,
    [workspaceId, ids],
  );
  return rows;
}

export async function deriveFeatures(q: Queryable, state: PipelineState) {
  const { workspaceId, deals } = state;
  const links = await contactFeatures(q, workspaceId, deals);
  const closedOn = new Map(
    deals.map((d) => [d.deal_id, d.closed_on ?? state.now.toISOString().slice(0, 10)]),
  );
  const updates = links.map((l) => {
    const person =
      l.enrichment_status === 'enriched' || l.enrichment_status === 'email_locked' ? l.apollo_data : null;
    const apolloSeniority = person?.seniority
      ? (APOLLO_SENIORITY[person.seniority] ?? person.seniority)
      : null;
    const apolloDepartment = departmentOf(person);
    return {
      id: l.id,
      seniority: apolloSeniority ?? l.crm_seniority,
      seniority_verified: apolloSeniority !== null,
      department: apolloDepartment ?? l.crm_department,
      department_verified: apolloDepartment !== null,
      tenure_months: tenureMonths(person, closedOn.get(l.deal_id)!),
      crm_seniority_agrees: apolloSeniority && l.crm_seniority ? apolloSeniority === l.crm_seniority : null,
    };
  });
  if (updates.length > 0)
    await q.query(
      /* sql */ `UPDATE deal_contacts dc SET seniority = v.seniority, seniority_verified = v.seniority_verified,
         department = v.department, department_verified = v.department_verified, tenure_months = v.tenure_months
       FROM jsonb_to_recordset($2::jsonb) AS v(id uuid, seniority text, seniority_verified boolean,
         department text, department_verified boolean, tenure_months int)
       WHERE dc.workspace_id = $1::uuid AND dc.id = v.id`,
      [workspaceId, JSON.stringify(updates)],
    );
  const signals = await q.query<{ deal_id: string; n: number }>(
    /* sql */ `SELECT d.id AS deal_id, count(s.*)::int AS n FROM deals d
     JOIN account_signals s ON s.workspace_id = d.workspace_id AND s.account_id = d.account_id
       AND s.published_at <= coalesce(d.closed_at::date, d.close_date)
     WHERE d.workspace_id = $1::uuid AND d.id = ANY($2::uuid[]) GROUP BY d.id`,
    [workspaceId, deals.map((d) => d.deal_id)],
  );
  const signalsBefore = new Map(signals.rows.map((r) => [r.deal_id, r.n]));
  const byLink = new Map(updates.map((u) => [u.id, u]));
  const features = deals.map((d) => {
    const members = d.contacts.map((c) => {
      const r = state.roles.get(c.deal_contact_id);
      const u = byLink.get(c.deal_contact_id);
      return {
        contact_id: c.contact_id,
        // With the roles step switched off, the roles stored by earlier runs stand.
        role: r ? r.role : c.buying_role,
        role_source: r ? r.source : c.buying_role_source,
        confidence: r ? r.confidence : c.buying_role_confidence,
        seniority: u?.seniority ?? null,
        seniority_verified: u?.seniority_verified ?? false,
        crm_seniority_agrees: u?.crm_seniority_agrees ?? null,
        department: u?.department ?? null,
        tenure_months: u?.tenure_months ?? null,
        evidence: r?.evidence ?? [],
      };
    });
    const present = BUYING_ROLES.filter((role) => members.some((m) => m.role === role));
    return {
      deal_id: d.deal_id,
      outcome: d.outcome,
      features: {
        amount_base: d.amount_base,
        base_currency: d.base_currency,
        cycle_days: d.cycle_days,
        committee_size: members.length,
        roles_present: present,
        roles_missing: BUYING_ROLES.filter((role) => !present.includes(role)),
        verified_contacts: members.filter((m) => m.seniority_verified).length,
        signals_before_close: signalsBefore.get(d.deal_id) ?? 0,
        members,
      },
    };
  });
  return { updates, features };
}

async function storeDealFeatures(
  q: Queryable,
  workspaceId: string,
  runId: string,
  rows: ReadonlyArray<{ deal_id: string; outcome: string; features: unknown }>,
) {
  if (rows.length === 0) return;
  await q.query(
    /* sql */ `INSERT INTO deal_enrichments (workspace_id, deal_id, run_id, outcome, features, enriched_at)
     SELECT $1::uuid, v.deal_id, $2::uuid, v.outcome, v.features, now()
     FROM jsonb_to_recordset($3::jsonb) AS v(deal_id uuid, outcome text, features jsonb)
     ON CONFLICT (workspace_id, deal_id) DO UPDATE
       SET run_id = EXCLUDED.run_id, outcome = EXCLUDED.outcome, features = EXCLUDED.features, enriched_at = now()`,
    [workspaceId, runId, JSON.stringify(rows)],
  );
}

export interface RoleCoverage {
  role: string;
  won_deals: number;
  lost_deals: number;
  /** Share of enriched won (lost) deals whose committee had the role. */
  won_share: number | null;
  lost_share: number | null;
}

/** Which roles were present on won vs lost deals, over every enriched deal of the workspace. */
export async function committeeCoverage(q: Queryable, workspaceId: string) {
  const { rows } = await q.query<{
    outcome: string;
    deals: number;
    committee: number | null;
    roles: Record<string, number> | null;
  }>(
    /* sql */ `SELECT e.outcome, count(*)::int AS deals, avg((e.features ->> 'committee_size')::int)::float8 AS committee,
       (SELECT jsonb_object_agg(role, n) FROM (
          SELECT r AS role, count(*)::int AS n FROM deal_enrichments x,
            jsonb_array_elements_text(coalesce(x.features -> 'roles_present', '[]')) AS r
          WHERE x.workspace_id = $1::uuid AND x.outcome = e.outcome GROUP BY r) t) AS roles
     FROM deal_enrichments e WHERE e.workspace_id = $1::uuid GROUP BY e.outcome`,
    [workspaceId],
  );
  const of = (o: string) => rows.find((r) => r.outcome === o);
  const won = of('won');
  const lost = of('lost');
  const share = (n: number, total: number | undefined) =>
    total ? Math.round((n / total) * 1000) / 1000 : null;
  const roles: RoleCoverage[] = BUYING_ROLES.map((role) => {
    const w = won?.roles?.[role] ?? 0;
    const l = lost?.roles?.[role] ?? 0;
    return {
      role,
      won_deals: w,
      lost_deals: l,
      won_share: share(w, won?.deals),
      lost_share: share(l, lost?.deals),
    };
  });
  const avg = (x: number | null | undefined) => (x == null ? null : Math.round(x * 10) / 10);
  return {
    won_deals: won?.deals ?? 0,
    lost_deals: lost?.deals ?? 0,
    avg_committee_size: { won: avg(won?.committee), lost: avg(lost?.committee) },
    roles,
  };
}

export function featuresStep(runId: string): EnrichmentStep {
  return {
    name: 'features',
    async run(state) {
      const { updates, features } = await withWorkspace(
        state.deps.db,
        state.workspaceId,
        async (q) => {
          const derived = await deriveFeatures(q, state);
          await storeDealFeatures(q, state.workspaceId, runId, derived.features);
          return derived;
        },
        BACKGROUND,
      );
      const coverage = await withWorkspace(state.deps.db, state.workspaceId, (q) =>
        committeeCoverage(q, state.workspaceId),
      );
      return {
        status: 'succeeded',
        summary: {
          deals: features.length,
          contacts: updates.length,
          tenure_known: updates.filter((u) => u.tenure_months !== null).length,
          seniority_verified: updates.filter((u) => u.seniority_verified).length,
          department_verified: updates.filter((u) => u.department_verified).length,
          coverage,
        },
      };
    },
  };
}
