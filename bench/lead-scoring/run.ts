/**
 * Lead scoring against the planted ICP. Per backend (PGlite always, the server when DATABASE_URL is
 * set): a generated world; closed-deal enrichment of a sample of training deals against the fake Apollo
 * and Serper answering from that world, then the same deals again within the TTL (0 requests expected),
 * with each fake's busiest second against its rate limit; icp-discovery trained on the deals closed
 * before a cut; the AUC of the held-out leads' scores (leads created on or after the cut) against their
 * conversion, and the cohort comparison. Prints one JSON line per backend.
 *
 *   [DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres] npm run bench:lead-scoring [-- --deals 3000
 *     --cut 2026-05-01 --enrich-deals 40]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config.ts';
import { createCredentialVault } from '../../src/connectors/credential-vault.ts';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPgliteDb } from '../../src/db/pglite-driver.ts';
import { withWorkspace } from '../../src/db/tenant-scope.ts';
import { createEnrichmentRun, executeEnrichmentRun } from '../../src/enrichment/enrichment-runs.ts';
import { generateWorld } from '../../src/generator/world.ts';
import { createLogger } from '../../src/logger.ts';
import type { IcpDiscoveryFacts } from '../../src/skills/icp-discovery.ts';
import { describeFeature } from '../../src/skills/icp-discovery.ts';
import { runSkillNow } from '../../src/skills/run-all-skills.ts';
import { createWorkspace } from '../../src/workspaces/workspaces.ts';
import { startFakeApollo } from '../../test/fakes/fake-apollo.ts';
import { maxRequestsPerSecond, startFakeSerper } from '../../test/fakes/fake-serper.ts';
import { apolloPeopleOfWorld, serperResultsOfWorld } from '../../test/fakes/world-enrichment.ts';
import { createScratchDb } from '../support/scratch-db.ts';
import { auc, cohorts, heldOutLeads, plantedFitLeads } from './lead-auc.ts';

const { values: args } = parseArgs({
  options: {
    deals: { type: 'string', default: '3000' },
    cut: { type: 'string', default: '2026-05-01' },
    'enrich-deals': { type: 'string', default: '40' },
    seed: { type: 'string', default: '42' },
    /** icp-discovery's significance level for a feature to carry a weight. */
    alpha: { type: 'string', default: '0.05' },
  },
});
const DEALS = Number(args.deals);
const CUT = args.cut!;
const ENRICH_DEALS = Number(args['enrich-deals']);
const SEED = Number(args.seed);
const ALPHA = Number(args.alpha);
const APOLLO_KEY = 'bench-apollo-key';
const SERPER_KEY = 'bench-serper-key';

async function benchBackend(backend: 'pglite' | 'server', db: Db) {
  const apollo = await startFakeApollo(APOLLO_KEY);
  const serper = await startFakeSerper(SERPER_KEY);
  try {
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      PANDORA_APOLLO_BASE_URL: `${apollo.url}/api/v1`,
      PANDORA_SERPER_BASE_URL: serper.url,
      PANDORA_APOLLO_API_KEY: APOLLO_KEY,
      PANDORA_SERPER_API_KEY: SERPER_KEY,
    });
    const deps = { db, config, vault: createCredentialVault(randomBytes(32)), log: createLogger('silent') };
    const ws = (await db.transaction((tx) => createWorkspace(tx, { name: `lead scoring ${backend}` }))).id;
    let t0 = performance.now();
    await generateWorld(db, ws, { deals: DEALS, seed: SEED, concurrency: backend === 'server' ? 2 : 1 });
    const generateMs = Math.round(performance.now() - t0);

    // The fakes answer from the world; a sample of training deals is enriched twice.
    const sample = await withWorkspace(db, ws, async (tx) => {
      apollo.people = await apolloPeopleOfWorld(tx, ws);
      for (const [name, r] of await serperResultsOfWorld(tx, ws)) serper.results.set(name, r);
      const { rows } = await tx.query<{ id: string }>(
        `SELECT id FROM deals WHERE workspace_id = $1::uuid AND is_closed AND closed_at < $2::date ORDER BY id LIMIT $3::int`,
        [ws, CUT, ENRICH_DEALS],
      );
      return rows.map((r) => r.id);
    });
    const enrich = async () => {
      const apolloBefore = apollo.enrichmentRequests().length;
      const serperBefore = serper.requests.length;
      const started = performance.now();
      const run = await createEnrichmentRun(deps, ws, { kind: 'deals', deal_ids: sample }, 'cli');
      const done = await executeEnrichmentRun(deps, ws, run.id);
      return {
        status: done.status,
        ms: Math.round(performance.now() - started),
        apollo_requests: apollo.enrichmentRequests().length - apolloBefore,
        serper_requests: serper.requests.length - serperBefore,
        signals_new: (done.totals as { signals_new?: number }).signals_new ?? 0,
      };
    };
    const first = await enrich();
    const rerun = await enrich();

    t0 = performance.now();
    const run = await runSkillNow(deps, ws, 'icp-discovery', { closed_before: CUT, alpha: ALPHA });
    const skillMs = Math.round(performance.now() - t0);
    if (run.status !== 'succeeded') throw new Error(`icp-discovery failed: ${run.error}`);
    const facts = (run.result as { facts: IcpDiscoveryFacts }).facts;
    const leads = await withWorkspace(db, ws, (tx) => heldOutLeads(tx, ws, CUT));
    const a = auc(leads);
    const ceiling = auc(await withWorkspace(db, ws, (tx) => plantedFitLeads(tx, ws, CUT)));
    return {
      backend,
      deals: DEALS,
      seed: SEED,
      alpha: ALPHA,
      generate_ms: generateMs,
      training: { closed_before: CUT, ...facts.learned_from },
      top_signals: facts.signals.slice(0, 8).map((s) => ({
        feature: describeFeature(s),
        lift: s.lift,
        deals: s.deals,
        p_value: s.p_value,
      })),
      profile_version: facts.profile?.version ?? null,
      icp_discovery_ms: skillMs,
      compute_ms: run.phase_timings.compute_ms ?? null,
      scored: facts.scoring?.scored ?? null,
      held_out_leads: leads.length,
      auc: a === null ? null : Math.round(a * 1000) / 1000,
      auc_goal: 0.8,
      planted_fit_auc: ceiling === null ? null : Math.round(ceiling * 1000) / 1000,
      cohorts: cohorts(leads),
      enrichment: {
        deals: sample.length,
        first: first,
        rerun_within_ttl: rerun,
        apollo_max_per_second: maxRequestsPerSecond(apollo.enrichmentRequests().map((r) => r.receivedAt)),
        apollo_limit_per_second: 2,
        serper_max_per_second: maxRequestsPerSecond(serper.requests.map((r) => r.receivedAt)),
        serper_limit_per_second: 5,
      },
    };
  } finally {
    await apollo.close();
    await serper.close();
  }
}

const embedded = await createPgliteDb();
try {
  await migrate(embedded);
  console.log(JSON.stringify(await benchBackend('pglite', embedded)));
} finally {
  await embedded.close();
}
if (process.env.DATABASE_URL) {
  const scratch = await createScratchDb(process.env.DATABASE_URL, 'pandora_bench_lead_scoring');
  try {
    console.log(JSON.stringify(await benchBackend('server', scratch.db)));
  } finally {
    await scratch.drop();
  }
}
