/** Deal insights over HTTP: coverage and runs, extraction (202 + run), a deal's current insights with its framework view, and their history. */
import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../../errors.ts';
import { currentExtractor } from '../../insights/extract-insights.ts';
import { INSIGHT_TYPES } from '../../insights/insight-types.ts';
import { currentDealInsights, dealInsightHistory, groupByType } from '../../insights/insight-store.ts';
import { getInsightRun, insightStatus, startInsightRun } from '../../insights/insight-runs.ts';
import { detectMethodology, frameworkView } from '../../insights/sales-methodology.ts';
import { accepted, dataList, ok } from '../openapi/schema-builders.ts';
import {
  dealInsightsSchema,
  insightRowSchema,
  insightRunSchema,
  insightStatusSchema,
} from '../openapi/schemas/insight-schemas.ts';
import type { RouteDoc } from '../openapi/openapi-document.ts';
import { fromZod, routeDoc, WS } from '../openapi/route-doc-builders.ts';
import { type AppDeps, inRequestWorkspace, workspaceOf } from '../deps.ts';
import { parseInput, uuidParam } from '../request-validation.ts';

export const extractBody = z
  .object({
    scope: z.enum(['deal', 'conversation', 'pending']).default('pending'),
    deal_id: uuidParam.optional(),
    conversation_id: uuidParam.optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.scope === 'deal' && !b.deal_id)
      ctx.addIssue({ code: 'custom', path: ['deal_id'], message: 'required for scope deal' });
    if (b.scope === 'conversation' && !b.conversation_id)
      ctx.addIssue({ code: 'custom', path: ['conversation_id'], message: 'required for scope conversation' });
    if (b.scope !== 'deal' && b.deal_id)
      ctx.addIssue({ code: 'custom', path: ['deal_id'], message: 'only with scope deal' });
    if (b.scope !== 'conversation' && b.conversation_id)
      ctx.addIssue({ code: 'custom', path: ['conversation_id'], message: 'only with scope conversation' });
  });

const historyQuery = z
  .object({
    type: z.enum(INSIGHT_TYPES).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export function scopeOf(body: z.infer<typeof extractBody>) {
  return body.scope === 'deal'
    ? { kind: 'deal' as const, deal_id: body.deal_id! }
    : body.scope === 'conversation'
      ? { kind: 'conversation' as const, conversation_id: body.conversation_id! }
      : { kind: 'pending' as const };
}

async function requireDeal(
  tx: Parameters<Parameters<typeof inRequestWorkspace>[2]>[0],
  ws: string,
  id: string,
) {
  const { rows } = await tx.query('SELECT 1 FROM deals WHERE workspace_id = $1::uuid AND id = $2::uuid', [
    ws,
    id,
  ]);
  if (rows.length === 0) throw new NotFoundError('deal');
}

export function insightRoutes(deps: AppDeps): Router {
  const r = Router();
  r.get('/insights/status', async (_req, res) => {
    const { identity } = await currentExtractor(deps, workspaceOf(res));
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => insightStatus(tx, ws, identity)));
  });
  r.post('/insights/extract', async (req, res) => {
    const body = parseInput(extractBody, req.body ?? {}, 'body');
    const run = await startInsightRun(deps, workspaceOf(res), scopeOf(body), 'api');
    res.status(202).json(run);
  });
  r.get('/insights/runs/:runId', async (req, res) => {
    const id = parseInput(uuidParam, req.params.runId, 'path');
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => getInsightRun(tx, ws, id)));
  });
  r.get('/deals/:dealId/insights', async (req, res) => {
    const dealId = parseInput(uuidParam, req.params.dealId, 'path');
    res.json(
      await inRequestWorkspace(deps, res, async (tx, ws) => {
        await requireDeal(tx, ws, dealId);
        const current = await currentDealInsights(tx, ws, dealId);
        const detected = await detectMethodology(tx, ws);
        return {
          deal_id: dealId,
          count: current.length,
          by_type: groupByType(current),
          methodology: {
            methodology: detected.methodology,
            decided_by: detected.decided_by,
            matched_fields: detected.matched_fields,
          },
          framework: frameworkView(detected, current),
        };
      }),
    );
  });
  r.get('/deals/:dealId/insights/history', async (req, res) => {
    const dealId = parseInput(uuidParam, req.params.dealId, 'path');
    const q = parseInput(historyQuery, req.query, 'query');
    res.json(
      await inRequestWorkspace(deps, res, async (tx, ws) => {
        await requireDeal(tx, ws, dealId);
        return { data: await dealInsightHistory(tx, ws, dealId, q) };
      }),
    );
  });
  return r;
}

export function insightRouteDocs(): RouteDoc[] {
  return [
    routeDoc(
      'get',
      `${WS}/insights/status`,
      'insights',
      'Insight coverage: conversations extracted, pending, failed; last run; tokens',
      { response: ok(insightStatusSchema) },
    ),
    routeDoc(
      'post',
      `${WS}/insights/extract`,
      'insights',
      'Extract deal insights for a deal, a conversation or everything pending',
      {
        requestBody: fromZod(extractBody),
        response: accepted(insightRunSchema),
      },
    ),
    routeDoc(
      'get',
      `${WS}/insights/runs/:runId`,
      'insights',
      'An extraction run: status, progress and totals',
      { response: ok(insightRunSchema) },
    ),
    routeDoc(
      'get',
      `${WS}/deals/:dealId/insights`,
      'insights',
      "A deal's current insights by type, with the sales-methodology view",
      { response: ok(dealInsightsSchema) },
    ),
    routeDoc(
      'get',
      `${WS}/deals/:dealId/insights/history`,
      'insights',
      'Every insight the deal had, with what superseded each',
      {
        parameters: [
          { name: 'type', in: 'query', schema: { type: 'string', enum: [...INSIGHT_TYPES] } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500 } },
        ],
        response: ok(dataList(insightRowSchema)),
      },
    ),
  ];
}
