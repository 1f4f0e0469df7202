/**
 * The demo main job behind `npm start`: a workspace filled once from the synthetic world generator, run
 * through the post-sync chain and the built-in skills, with a fresh API key each start so a visitor can
 * call the API straight away. Later starts reuse the world and its latest skill runs.
 */
import type { Queryable } from '../db/db.ts';
import { withWorkspace } from '../db/tenant-scope.ts';
import { generateWorld } from '../generator/world.ts';
import type { AppDeps } from '../http/deps.ts';
import { BUILT_IN_SKILLS } from '../skills/all-skills.ts';
import { runAllSkills } from '../skills/run-all-skills.ts';
import { latestSkillRuns, type SkillRun } from '../skills/skill-runs.ts';
import { recordWriteAndRunChain } from '../sync/post-sync-chain.ts';
import { createApiKey } from '../workspaces/api-keys.ts';
import { putExchangeRates } from '../money/exchange-rates.ts';
import { putContextSections } from '../workspaces/context-layer.ts';
import { calendarPeriod, createQuotaPeriod, setRepQuota } from '../workspaces/quotas.ts';
import { createWorkspace } from '../workspaces/workspaces.ts';
import { type DemoFacts, readDemoFacts } from './demo-facts.ts';

const DEMO_KEY_NAME = 'demo';
const DEMO_SEED = 7;

export interface DemoSummary {
  workspaceId: string;
  workspaceName: string;
  created: boolean;
  apiKey: string;
  runs: SkillRun[];
  facts: DemoFacts;
}

export type DemoProgress = (line: string) => void;

async function findDemoWorkspace(q: Queryable): Promise<{ id: string; name: string } | null> {
  const { rows } = await q.query<{ id: string; name: string }>(
    "SELECT id, name FROM workspaces WHERE settings->>'demo' = 'true' ORDER BY created_at LIMIT 1",
  );
  return rows[0] ?? null;
}

/** Quotas for the world's current quarter, so the forecast has a period and rep quotas to measure. */
async function seedQuotas(q: Queryable, workspaceId: string, asOf: string, reps: { email: string }[]) {
  const quarter = calendarPeriod(asOf, 'quarter', 1);
  const perRep = 450_000;
  const period = await createQuotaPeriod(q, workspaceId, {
    name: `Q${Math.floor(Number(quarter.start_date.slice(5, 7)) / 3) + 1} ${quarter.start_date.slice(0, 4)}`,
    period_type: 'quarter',
    start_date: quarter.start_date,
    end_date: quarter.end_date,
    team_quota: perRep * reps.length,
  });
  for (const rep of reps)
    await setRepQuota(q, workspaceId, period.id, { rep_email: rep.email, quota_amount: perRep });
}

/** Dated USD rates for the world's other currencies: a year back and a quarter back. */
export function demoRates(asOf: string) {
  const daysBefore = (days: number) =>
    new Date(Date.parse(`${asOf}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
  return [
    { currency: 'EUR', effective_date: daysBefore(365), rate: 1.08 },
    { currency: 'EUR', effective_date: daysBefore(90), rate: 1.12 },
    { currency: 'GBP', effective_date: daysBefore(365), rate: 1.26 },
    { currency: 'GBP', effective_date: daysBefore(90), rate: 1.3 },
  ];
}

async function createDemoWorld(deps: AppDeps, deals: number, progress: DemoProgress) {
  const ws = await deps.db.transaction((tx) =>
    createWorkspace(tx, { name: 'Demo workspace', settings: { demo: true } }),
  );
  progress(`generating a synthetic GTM world: ${deals} deals …`);
  // The world's "now" is today, so recency rules (stale deals, past close dates) read it as live data.
  const today = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
  // Base currency and rates first, so the world's EUR and GBP deals are converted as they are written.
  await withWorkspace(deps.db, ws.id, async (tx) => {
    await putContextSections(tx, ws.id, {
      business_model: { model: 'b2b_saas', sales_motion: 'mixed', currency: 'USD' },
    });
    await putExchangeRates(tx, ws.id, demoRates(today.toISOString().slice(0, 10)));
  });
  // Recorded calls come with their transcripts already fetched, so deal insights are extracted offline.
  const world = await generateWorld(deps.db, ws.id, {
    deals,
    seed: DEMO_SEED,
    asOf: today,
    transcripts: true,
  });
  const asOf = world.asOf.slice(0, 10);
  await withWorkspace(deps.db, ws.id, async (tx) => {
    await tx.query('UPDATE workspaces SET name = $2, settings = settings || $3::jsonb WHERE id = $1::uuid', [
      ws.id,
      `${world.companyName} (demo)`,
      JSON.stringify({ demo_as_of: asOf }),
    ]);
    await putContextSections(tx, ws.id, {
      definitions: { internal_domains: [world.internalDomain], stale_deal_days: 30 },
      goals_and_targets: { fiscal_year_start_month: 1, pipeline_coverage_target: 3 },
    });
    await seedQuotas(tx, ws.id, asOf, world.reps);
  });
  progress(
    `${world.totalRows} rows written in ${(world.elapsedMs / 1000).toFixed(1)} s; running the post-sync chain …`,
  );
  // The generated world arrives like a sync: logged, then followed by the chain its changes call for.
  await recordWriteAndRunChain(deps, ws.id, {
    connectorName: 'synthetic',
    trigger: 'initial',
    counts: world.tables,
  });
  progress('running the skills with the configured providers …');
  const runs = await runAllSkills(deps, ws.id, { asOf, computeFirst: false, trigger: 'demo' });
  return { id: ws.id, name: `${world.companyName} (demo)`, runs };
}

/** A restart reports the latest run of each skill, results included (headlines and findings). */
function latestRuns(deps: AppDeps, workspaceId: string): Promise<SkillRun[]> {
  return withWorkspace(deps.db, workspaceId, (tx) => latestSkillRuns(tx, workspaceId, BUILT_IN_SKILLS));
}

/** A fresh key per start: the plaintext of an older one cannot be shown again, so the old ones are revoked. */
async function freshDemoKey(deps: AppDeps, workspaceId: string): Promise<string> {
  return withWorkspace(deps.db, workspaceId, async (tx) => {
    await tx.query(
      'UPDATE api_keys SET revoked_at = now() WHERE workspace_id = $1::uuid AND name = $2 AND revoked_at IS NULL',
      [workspaceId, DEMO_KEY_NAME],
    );
    return (await createApiKey(tx, workspaceId, { name: DEMO_KEY_NAME })).plaintext;
  });
}

export async function ensureDemoWorkspace(
  deps: AppDeps,
  opts: { deals: number; progress?: DemoProgress },
): Promise<DemoSummary> {
  const progress = opts.progress ?? (() => {});
  const existing = await findDemoWorkspace(deps.db);
  const demo = existing
    ? { id: existing.id, name: existing.name, runs: await latestRuns(deps, existing.id) }
    : await createDemoWorld(deps, opts.deals, progress);
  return {
    workspaceId: demo.id,
    workspaceName: demo.name,
    created: !existing,
    apiKey: await freshDemoKey(deps, demo.id),
    runs: demo.runs,
    facts: await withWorkspace(deps.db, demo.id, (tx) => readDemoFacts(tx, demo.id)),
  };
}
