/** The base currency's exchange rates and how much of the pipeline they convert. */
import { Router } from 'express';
import { z } from 'zod';
import {
  currencyCode,
  currencyState,
  deleteExchangeRates,
  exchangeRateInput,
  putExchangeRates,
} from '../../money/exchange-rates.ts';
import { ok } from '../openapi/schema-builders.ts';
import {
  currencyDeleteSchema,
  currencyStateSchema,
  currencyWriteSchema,
} from '../openapi/schemas/money-schemas.ts';
import type { RouteDoc } from '../openapi/openapi-document.ts';
import { fromZod, routeDoc, WS } from '../openapi/route-doc-builders.ts';
import { type AppDeps, inRequestWorkspace } from '../deps.ts';
import { isoDate, parseInput } from '../request-validation.ts';

const putRatesBody = z
  .object({ rates: z.array(exchangeRateInput).min(1).max(1000) })
  .strict()
  .refine((b) => new Set(b.rates.map((r) => `${r.currency}|${r.effective_date}`)).size === b.rates.length, {
    message: 'a currency and date appear twice',
    path: ['rates'],
  });
const deleteQuery = z.object({ effective_date: isoDate.optional() }).strict();

export function currencyRoutes(deps: AppDeps): Router {
  const r = Router();
  r.get('/exchange-rates', async (_req, res) => {
    res.json(await inRequestWorkspace(deps, res, (tx, ws) => currencyState(tx, ws)));
  });
  r.put('/exchange-rates', async (req, res) => {
    const body = parseInput(putRatesBody, req.body, 'body');
    res.json(
      await inRequestWorkspace(deps, res, async (tx, ws) => {
        const { reconverted_deals } = await putExchangeRates(tx, ws, body.rates);
        return { ...(await currencyState(tx, ws)), reconverted_deals };
      }),
    );
  });
  r.delete('/exchange-rates/:currency', async (req, res) => {
    const currency = parseInput(currencyCode, req.params.currency, 'path');
    const q = parseInput(deleteQuery, req.query, 'query');
    res.json(
      await inRequestWorkspace(deps, res, async (tx, ws) => {
        const out = await deleteExchangeRates(tx, ws, currency, q.effective_date);
        return { ...(await currencyState(tx, ws)), ...out };
      }),
    );
  });
  return r;
}

export function currencyRouteDocs(): RouteDoc[] {
  return [
    routeDoc(
      'get',
      `${WS}/exchange-rates`,
      'money',
      'Base currency, dated exchange rates, and the deals they convert',
      { response: ok(currencyStateSchema) },
    ),
    routeDoc(
      'put',
      `${WS}/exchange-rates`,
      'money',
      'Set dated rates into the base currency (rate = base units per unit); re-converts the affected deals',
      { requestBody: fromZod(putRatesBody), response: ok(currencyWriteSchema) },
    ),
    routeDoc(
      'delete',
      `${WS}/exchange-rates/:currency`,
      'money',
      "Remove a currency's rates (or one date's); its deals are re-converted or left unconverted",
      {
        parameters: [{ name: 'effective_date', in: 'query', schema: { type: 'string', format: 'date' } }],
        response: ok(currencyDeleteSchema),
      },
    ),
  ];
}
