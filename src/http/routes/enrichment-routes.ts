/**
 * Closed-deal enrichment over HTTP: enrich one deal now, a batch in the background (202 + run), the
 * workspace's status, a run, a deal's buying committee, and the enrichment config (keys write-only).
 */
import { Router } from 'express';
import { z } from 'zod';
import { buyingCommittee, enrichmentStatus } from '../../enrichment/enrichment-reads.ts';
import {
  createEnrichmentRun,
  executeEnrichmentRun,
  getEnrichmentRun,
  startEnrichmentRun,
} from '../../enrichment/enrichment-runs.ts';
import {
  describeEnrichmentSettings,
  enrichmentKeysSchema,
  enrichmentMetadataSchema,
  loadEnrichmentSettings,
  saveEnrichmentSettings,
} from '../../enrichment/enrichment-settings.ts';
import type { RouteDoc } from '../openapi/openapi-document.ts';
import { fromZod, routeDoc, WS } from '../openapi/route-doc-builders.ts';
import { accepted, ok } from '../openapi/schema-builders.ts';
import {
  buyingCommitteeSchema,
  enrichmentRunSchema,
  enrichmentSettingsSchema,
  enrichmentStatusSchema,
} from '../openapi/schemas/enrichment-schemas.ts';
import { type AppDeps, inRequestWorkspace, workspaceOf } from '../deps.ts';
import { parseInput, uuidParam } from '../request-validation.ts';

const batchBody = z
  .object({
    /** Without ids: every closed deal not yet enriched for the outcome it closed with. */
    deal_ids: z.array(uuidParam).min(1).max(1000).optional(),
  })
  .strict();

const configBody = z.object({ ...enrichmentKeysSchema.shape, ...enrichmentMetadataSchema.shape }).strict();

const KEY_FIELDS = new Set(Object.keys(enrichmentKeysSchema.shape));

export function enrichmentRoutes(deps: AppDeps): Router {
  const r = Router();
  const settingsOf = (res: Parameters<typeof workspaceOf>[0]) =>
    inRequestWorkspace(deps, res, (tx, ws) => loadEnrichmentSettings(tx, ws, deps.config, deps.vault));

  r.post('/enrichment/deal/:dealId', async (req, res) => {
    const dealId = parseInput(uuidParam, req.params.dealId, 'path');
    parseInput(z.object({}).strict(), req.body ?? {}, 'body');
    const ws = workspaceOf(res);
    const queued = await createEnrichmentRun(deps, ws, { kind: 'deal', deal_id: dealId }, 'api');
    res.json(await executeEnrichmentRun(deps, ws, queued.id));
  });
  r.post('/enrichment/batch', async (req, res) => {
    const body = parseInput(batchBody, req.body ?? {}, 'body');
    const scope = body.deal_ids
      ? { kind: 'deals' as const, deal_ids: [...new Set(body.deal_ids)] }
      : { kind: 'pending' as const };
    res.status(202).json(await startEnrichmentRun(deps, workspaceOf(res), scope, 'api'));
  });
  r.get('/enrichment/status', async (_req, res) => {
    const settings = await settingsOf(res);
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => enrichmentStatus(tx, ws, settings)));
  });
  r.get('/enrichment/runs/:runId', async (req, res) => {
    const id = parseInput(uuidParam, req.params.runId, 'path');
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => getEnrichmentRun(tx, ws, id)));
  });
  r.get('/deals/:dealId/buying-committee', async (req, res) => {
    const dealId = parseInput(uuidParam, req.params.dealId, 'path');
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => buyingCommittee(tx, ws, dealId)));
  });
  r.get('/config/enrichment', async (_req, res) => {
    res.json(describeEnrichmentSettings(await settingsOf(res)));
  });
  r.put('/config/enrichment', async (req, res) => {
    const body = parseInput(configBody, req.body ?? {}, 'body');
    const keys = Object.fromEntries(Object.entries(body).filter(([k]) => KEY_FIELDS.has(k)));
    const metadata = Object.fromEntries(Object.entries(body).filter(([k]) => !KEY_FIELDS.has(k)));
    await inRequestWorkspace(deps, res, (tx, ws) =>
      saveEnrichmentSettings(tx, ws, deps.vault, {
        keys,
        metadata: Object.keys(metadata).length ? metadata : undefined,
      }),
    );
    // The answer says which keys are set, never what they are.
    res.json(describeEnrichmentSettings(await settingsOf(res)));
  });
  return r;
}

export function enrichmentRouteDocs(): RouteDoc[] {
  return [
    routeDoc(
      'post',
      `${WS}/enrichment/deal/:dealId`,
      'enrichment',
      'Enrich one closed deal now: roles, Apollo, signals, LinkedIn, features; returns the run with its steps',
      { response: ok(enrichmentRunSchema) },
    ),
    routeDoc(
      'post',
      `${WS}/enrichment/batch`,
      'enrichment',
      'Enrich closed deals in the background (the given ids, or every closed deal not yet enriched)',
      { requestBody: fromZod(batchBody), response: accepted(enrichmentRunSchema) },
    ),
    routeDoc(
      'get',
      `${WS}/enrichment/status`,
      'enrichment',
      'Enrichment status: providers configured, deals enriched and pending, contacts, signals, committee coverage, last run',
      { response: ok(enrichmentStatusSchema) },
    ),
    routeDoc(
      'get',
      `${WS}/enrichment/runs/:runId`,
      'enrichment',
      'An enrichment run: status, steps and totals',
      { response: ok(enrichmentRunSchema) },
    ),
    routeDoc(
      'get',
      `${WS}/deals/:dealId/buying-committee`,
      'enrichment',
      "A deal's buying committee: each contact's role, its source and confidence, Apollo-verified seniority and department, tenure",
      { response: ok(buyingCommitteeSchema) },
    ),
    routeDoc(
      'get',
      `${WS}/config/enrichment`,
      'enrichment',
      'Enrichment settings: which keys are set (never their values), rate limits, TTL, per-step switches',
      { response: ok(enrichmentSettingsSchema) },
    ),
    routeDoc(
      'put',
      `${WS}/config/enrichment`,
      'enrichment',
      'Set enrichment keys (write-only, stored encrypted; null removes one), rate limits, TTL and per-step switches',
      { requestBody: fromZod(configBody), response: ok(enrichmentSettingsSchema) },
    ),
  ];
}
