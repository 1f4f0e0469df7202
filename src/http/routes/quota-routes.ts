/** Quota periods, rep quotas, and the quota in force on a date. */
import { Router } from 'express';
import { z } from 'zod';
import { ValidationError } from '../../errors.ts';
import {
  checkQuotaConfig,
  createQuotaPeriod,
  deleteQuotaPeriod,
  deleteRepQuota,
  getQuotaPeriod,
  listQuotaPeriods,
  listRepQuotas,
  setRepQuota,
  updateQuotaPeriod,
} from '../../workspaces/quotas.ts';
import { type AppDeps, inRequestWorkspace } from '../deps.ts';
import { isoDate, moneyAmount, parseInput, uuidParam } from '../request-validation.ts';

const periodFields = {
  name: z.string().trim().min(1).max(200),
  period_type: z.enum(['month', 'quarter', 'half', 'year', 'custom']),
  start_date: isoDate,
  end_date: isoDate,
  team_quota: moneyAmount.default(0),
};
const createPeriodBody = z.object(periodFields).strict();
const updatePeriodBody = z.object(periodFields).partial().strict();
const repQuotaBody = z
  .object({ rep_email: z.string().trim().email().max(320), quota_amount: moneyAmount })
  .strict();
const activeQuery = z.object({ date: isoDate.optional() }).strict();

function checkDateOrder(p: { start_date?: string; end_date?: string }) {
  if (p.start_date && p.end_date && p.end_date < p.start_date) {
    throw new ValidationError('invalid body: end_date: must not be before start_date');
  }
}

export function quotaRoutes(deps: AppDeps): Router {
  const r = Router();
  r.get('/quota-periods', async (_req, res) => {
    res.json({ data: await inRequestWorkspace(deps, res, (tx, ws) => listQuotaPeriods(tx, ws)) });
  });
  r.post('/quota-periods', async (req, res) => {
    const body = parseInput(createPeriodBody, req.body, 'body');
    checkDateOrder(body);
    res.status(201).json(await inRequestWorkspace(deps, res, (tx, ws) => createQuotaPeriod(tx, ws, body)));
  });
  r.get('/quota-periods/:periodId', async (req, res) => {
    const id = parseInput(uuidParam, req.params.periodId, 'path');
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => getQuotaPeriod(tx, ws, id)));
  });
  r.patch('/quota-periods/:periodId', async (req, res) => {
    const id = parseInput(uuidParam, req.params.periodId, 'path');
    const body = parseInput(updatePeriodBody, req.body, 'body');
    checkDateOrder(body);
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => updateQuotaPeriod(tx, ws, id, body)));
  });
  r.delete('/quota-periods/:periodId', async (req, res) => {
    const id = parseInput(uuidParam, req.params.periodId, 'path');
    await inRequestWorkspace(deps, res, (tx, ws) => deleteQuotaPeriod(tx, ws, id));
    res.status(204).end();
  });
  r.get('/quota-periods/:periodId/rep-quotas', async (req, res) => {
    const id = parseInput(uuidParam, req.params.periodId, 'path');
    res.json({
      data: await inRequestWorkspace(deps, res, async (tx, ws) => {
        await getQuotaPeriod(tx, ws, id);
        return listRepQuotas(tx, ws, id);
      }),
    });
  });
  r.put('/quota-periods/:periodId/rep-quotas', async (req, res) => {
    const id = parseInput(uuidParam, req.params.periodId, 'path');
    const body = parseInput(repQuotaBody, req.body, 'body');
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => setRepQuota(tx, ws, id, body)));
  });
  r.delete('/quota-periods/:periodId/rep-quotas/:repQuotaId', async (req, res) => {
    const id = parseInput(uuidParam, req.params.periodId, 'path');
    const repQuotaId = parseInput(uuidParam, req.params.repQuotaId, 'path');
    await inRequestWorkspace(deps, res, (tx, ws) => deleteRepQuota(tx, ws, id, repQuotaId));
    res.status(204).end();
  });
  r.get('/quota/active', async (req, res) => {
    const query = parseInput(activeQuery, req.query, 'query');
    const date = query.date ?? new Date().toISOString().slice(0, 10);
    res.json({ date, ...(await inRequestWorkspace(deps, res, (tx, ws) => checkQuotaConfig(tx, ws, date))) });
  });
  return r;
}
