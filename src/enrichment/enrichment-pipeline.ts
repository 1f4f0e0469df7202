/**
 * The pipeline over a set of closed deals: the six steps in order, each over all the deals at once (so
 * Apollo lookups share bulk requests and an account is searched once), each step's outcome appended to
 * the run's record as it finishes. A step that fails is recorded and the next one still runs; only a
 * failure to load the deals ends the run early.
 */
import { withWorkspace } from '../db/tenant-scope.ts';
import { apolloStep } from './apollo-enrichment.ts';
import { signalsStep } from './company-signals.ts';
import { loadDealContexts } from './deal-context.ts';
import { featuresStep } from './derived-features.ts';
import { loadEnrichmentSettings } from './enrichment-settings.ts';
import {
  BACKGROUND,
  disabled,
  type EnrichmentDeps,
  type EnrichmentStep,
  type PipelineState,
  type StepOutcome,
  type StepRecord,
} from './enrichment-steps.ts';
import { linkedinStep } from './linkedin-step.ts';
import { resolveRoles, storeRoles } from './role-resolution.ts';

const dealContextStep: EnrichmentStep = {
  name: 'deal_context',
  async run(state) {
    const accounts = new Set(state.deals.map((d) => d.account?.id).filter(Boolean));
    return {
      status: 'succeeded',
      summary: {
        deals: state.deals.length,
        won: state.deals.filter((d) => d.outcome === 'won').length,
        lost: state.deals.filter((d) => d.outcome === 'lost').length,
        contacts: state.deals.reduce((n, d) => n + d.contacts.length, 0),
        accounts: accounts.size,
        without_amount: state.deals.filter((d) => d.amount_base === null).length,
      },
    };
  },
};

const rolesStep: EnrichmentStep = {
  name: 'roles',
  async run(state) {
    if (!state.settings.steps.roles) return disabled('roles');
    const written = await withWorkspace(
      state.deps.db,
      state.workspaceId,
      async (q) => {
        state.roles = await resolveRoles(q, state.workspaceId, state.deals);
        return storeRoles(q, state.workspaceId, state.roles);
      },
      BACKGROUND,
    );
    const bySource: Record<string, number> = {};
    let evidence = 0;
    for (const r of state.roles.values()) {
      bySource[r.source ?? 'unresolved'] = (bySource[r.source ?? 'unresolved'] ?? 0) + 1;
      if (r.evidence.length > 0) evidence++;
    }
    return {
      status: 'succeeded',
      summary: {
        contacts: state.roles.size,
        by_source: bySource,
        with_call_evidence: evidence,
        updated: written,
      },
    };
  },
};

export interface PipelineResult {
  steps: StepRecord[];
  totals: Record<string, unknown>;
}

/** Runs the steps over `dealIds` (closed deals; others are skipped); `onStep` records each as it ends. */
export async function runEnrichmentPipeline(
  deps: EnrichmentDeps,
  workspaceId: string,
  runId: string,
  dealIds: readonly string[],
  onStep: (steps: StepRecord[]) => Promise<void>,
): Promise<PipelineResult> {
  const { settings, deals } = await withWorkspace(
    deps.db,
    workspaceId,
    async (q) => ({
      settings: await loadEnrichmentSettings(q, workspaceId, deps.config, deps.vault),
      deals: await loadDealContexts(q, workspaceId, dealIds),
    }),
    BACKGROUND,
  );
  const state: PipelineState = { deps, workspaceId, settings, deals, roles: new Map(), now: new Date() };
  const steps: StepRecord[] = [];
  for (const step of [
    dealContextStep,
    rolesStep,
    apolloStep,
    signalsStep,
    linkedinStep,
    featuresStep(runId),
  ]) {
    const startedAt = new Date();
    const t0 = performance.now();
    let outcome: StepOutcome;
    try {
      outcome = await step.run(state);
    } catch (err) {
      deps.log.error({ err, workspaceId, runId, step: step.name }, 'enrichment step failed');
      outcome = { status: 'failed', summary: {}, error: err instanceof Error ? err.message : String(err) };
    }
    steps.push({
      step: step.name,
      ...outcome,
      started_at: startedAt.toISOString(),
      duration_ms: Math.round(performance.now() - t0),
    });
    await onStep(steps);
  }
  const summaryOf = (name: string) => steps.find((s) => s.step === name)?.summary ?? {};
  return {
    steps,
    totals: {
      deals: deals.length,
      won: deals.filter((d) => d.outcome === 'won').length,
      lost: deals.filter((d) => d.outcome === 'lost').length,
      skipped: dealIds.length - deals.length,
      contacts: deals.reduce((n, d) => n + d.contacts.length, 0),
      apollo_requests: summaryOf('apollo').requests ?? 0,
      serper_requests: summaryOf('signals').requests ?? 0,
      signals_new: summaryOf('signals').signals_new ?? 0,
      steps_failed: steps.filter((s) => s.status === 'failed').map((s) => s.step),
      steps_not_configured: steps.filter((s) => s.status === 'not_configured').map((s) => s.step),
    },
  };
}
