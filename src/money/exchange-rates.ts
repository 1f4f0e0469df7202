/**
 * Exchange rates (migration 040): dated rates into the workspace's base currency, and the conversion of
 * deal amounts they drive. Deals are converted by a trigger as they are written; setting or removing a
 * rate, or changing the base currency, re-converts the deals it affects in one statement.
 */
import { z } from 'zod';
import type { Queryable } from '../db/db.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { describeNotConverted, type NotConverted } from './currency-coverage.ts';

export const currencyCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{3}$/, 'expected a three-letter ISO 4217 code')
  .transform((s) => s.toUpperCase());

const isoDate = z.iso.date();

export const exchangeRateInput = z
  .object({
    currency: currencyCode,
    effective_date: isoDate,
    /** Units of the base currency one unit of `currency` buys. */
    rate: z.number().positive().finite().max(1e9),
  })
  .strict();
export type ExchangeRateInput = z.infer<typeof exchangeRateInput>;

export interface ExchangeRate {
  currency: string;
  base_currency: string;
  effective_date: string;
  rate: number;
  updated_at: string;
}

export interface CurrencyState {
  base_currency: string;
  rates: ExchangeRate[];
  /** Open and closed deals by currency, and how many of them are converted. */
  deals_by_currency: Array<{ currency: string | null; deals: number; converted: number }>;
  not_converted: NotConverted;
}

export async function baseCurrency(q: Queryable, workspaceId: string): Promise<string> {
  const { rows } = await q.query<{ base: string }>('SELECT pandora_base_currency($1::uuid) AS base', [
    workspaceId,
  ]);
  return rows[0]!.base;
}

export async function listExchangeRates(q: Queryable, workspaceId: string): Promise<ExchangeRate[]> {
  const { rows } = await q.query<ExchangeRate>(
    /* sql */ `SELECT currency, base_currency, effective_date::text AS effective_date, rate::float8 AS rate,
       updated_at FROM exchange_rates
     WHERE workspace_id = $1::uuid AND base_currency = pandora_base_currency($1::uuid)
     ORDER BY currency, effective_date`,
    [workspaceId],
  );
  return rows;
}

export async function currencyState(q: Queryable, workspaceId: string): Promise<CurrencyState> {
  const { rows } = await q.query<{ currency: string | null; deals: number; converted: number }>(
    /* sql */ `SELECT upper(nullif(btrim(currency), '')) AS currency, count(*)::int AS deals,
       count(amount_base)::int AS converted
     FROM deals WHERE workspace_id = $1::uuid AND amount IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1`,
    [workspaceId],
  );
  return {
    base_currency: await baseCurrency(q, workspaceId),
    rates: await listExchangeRates(q, workspaceId),
    deals_by_currency: rows,
    not_converted: describeNotConverted(
      rows.map((r) => ({ currency: r.currency ?? '', deals: r.deals - r.converted })),
    ),
  };
}

/** Re-converts the deals in the given currencies (all of them when omitted); returns how many changed. */
export async function reconvertDealAmounts(
  q: Queryable,
  workspaceId: string,
  currencies?: readonly string[],
): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    /* sql */ `WITH changed AS (
       UPDATE deals SET amount_base = pandora_amount_base(workspace_id, amount, currency, close_date)
       WHERE workspace_id = $1::uuid AND amount IS NOT NULL
         AND ($2::text[] IS NULL OR upper(btrim(currency)) = ANY ($2::text[]))
         AND amount_base IS DISTINCT FROM pandora_amount_base(workspace_id, amount, currency, close_date)
       RETURNING 1)
     SELECT count(*)::int AS n FROM changed`,
    [workspaceId, currencies ? [...currencies] : null],
  );
  return rows[0]!.n;
}

/** Sets (inserts or replaces) rates in the base currency and re-converts the deals they affect. */
export async function putExchangeRates(
  q: Queryable,
  workspaceId: string,
  rates: readonly ExchangeRateInput[],
): Promise<{ reconverted_deals: number }> {
  const base = await baseCurrency(q, workspaceId);
  const same = rates.find((r) => r.currency === base);
  if (same) throw new ValidationError(`invalid body: rates: ${same.currency} is the base currency`);
  await q.query(
    /* sql */ `INSERT INTO exchange_rates (workspace_id, base_currency, currency, effective_date, rate)
     SELECT $1::uuid, $2::text, r.currency, r.effective_date, r.rate
     FROM jsonb_to_recordset($3::jsonb) AS r(currency text, effective_date date, rate numeric)
     ON CONFLICT (workspace_id, base_currency, currency, effective_date)
     DO UPDATE SET rate = EXCLUDED.rate, updated_at = now()
     WHERE exchange_rates.rate IS DISTINCT FROM EXCLUDED.rate`,
    [workspaceId, base, JSON.stringify(rates)],
  );
  const currencies = [...new Set(rates.map((r) => r.currency))];
  return { reconverted_deals: await reconvertDealAmounts(q, workspaceId, currencies) };
}

/** Removes a currency's rates (one date, or all of them) and re-converts its deals. */
export async function deleteExchangeRates(
  q: Queryable,
  workspaceId: string,
  currency: string,
  effectiveDate?: string,
): Promise<{ deleted: number; reconverted_deals: number }> {
  const { rows } = await q.query<{ n: number }>(
    /* sql */ `WITH gone AS (
       DELETE FROM exchange_rates WHERE workspace_id = $1::uuid AND base_currency = pandora_base_currency($1::uuid)
         AND currency = $2::text AND ($3::date IS NULL OR effective_date = $3::date) RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    [workspaceId, currency, effectiveDate ?? null],
  );
  const deleted = rows[0]!.n;
  if (deleted === 0) {
    throw new NotFoundError(`exchange rate ${currency}${effectiveDate ? ` on ${effectiveDate}` : ''}`);
  }
  return { deleted, reconverted_deals: await reconvertDealAmounts(q, workspaceId, [currency]) };
}
