-- Money in more than one currency. A workspace's base currency is its context layer's
-- business_model.currency (USD when unset); exchange_rates holds dated rates into that base. Each deal
-- keeps its raw amount and, beside it, amount_base: the amount converted when it was written, at the
-- rate in force on its close date (the latest rate when it has none). A deal in a currency with no
-- rate has amount_base NULL and is counted apart, never added to a total.

CREATE TABLE exchange_rates (
  workspace_id    uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  base_currency   text NOT NULL CHECK (base_currency ~ '^[A-Z]{3}$'),
  currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$' AND currency <> base_currency),
  effective_date  date NOT NULL,
  rate            numeric(24, 12) NOT NULL CHECK (rate > 0),  -- base units for one unit of currency
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, base_currency, currency, effective_date)
);
SELECT pandora_enable_tenant_rls('exchange_rates');

ALTER TABLE deals ADD COLUMN amount_base numeric(18, 2);

CREATE FUNCTION pandora_base_currency(ws uuid) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT nullif(upper(btrim(business_model->>'currency')), '') FROM context_layer
                   WHERE workspace_id = ws), 'USD')
$$;

-- Base units for one unit of `cur` on `on_date`: 1 in the base currency (or with no currency: a CRM
-- without currencies holds amounts in the company's own), else the rate in force on that date. A
-- currency's first rate also covers the dates before it, as a CRM's first dated range does; a NULL
-- date takes the latest rate. NULL when the currency has no rate at all. PL/pgSQL rather than SQL: it
-- runs once per written deal, and a PL/pgSQL query keeps its plan where a SQL function call re-plans.
CREATE FUNCTION pandora_fx_rate(ws uuid, base text, cur text, on_date date) RETURNS numeric
LANGUAGE plpgsql STABLE AS $$
DECLARE
  code text := upper(btrim(cur));
  r numeric;
BEGIN
  IF code IS NULL OR code = '' OR code = base THEN
    RETURN 1;
  END IF;
  SELECT x.rate INTO r FROM exchange_rates x
  WHERE x.workspace_id = ws AND x.base_currency = base AND x.currency = code
  ORDER BY x.effective_date <= coalesce(on_date, 'infinity'::date) DESC,
           CASE WHEN x.effective_date <= coalesce(on_date, 'infinity'::date) THEN x.effective_date END DESC,
           x.effective_date
  LIMIT 1;
  RETURN r;
END
$$;

CREATE FUNCTION pandora_amount_base(ws uuid, amount numeric, cur text, on_date date) RETURNS numeric
LANGUAGE sql STABLE AS $$
  SELECT round(amount * pandora_fx_rate(ws, pandora_base_currency(ws), cur, on_date), 2)
$$;

-- Converted as the row is written, so every writer (bulk upsert, file import, generator, a manual
-- UPDATE) gets it and the rollup triggers below see converted amounts. Rows with no amount and
-- updates that leave amount, currency and close date alone never call the function. The base currency
-- is looked up once per transaction and workspace (pandora.base_currency holds "<workspace id><code>";
-- a change of the base currency clears it, see putContextSections).
CREATE FUNCTION deals_convert_amount() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cached text;
BEGIN
  IF NEW.amount IS NULL OR nullif(btrim(NEW.currency), '') IS NULL THEN
    NEW.amount_base := NEW.amount;
    RETURN NEW;
  END IF;
  cached := current_setting('pandora.base_currency', true);
  IF cached IS NULL OR left(cached, 36) IS DISTINCT FROM NEW.workspace_id::text THEN
    cached := NEW.workspace_id::text || pandora_base_currency(NEW.workspace_id);
    PERFORM set_config('pandora.base_currency', cached, true);
  END IF;
  NEW.amount_base := round(NEW.amount * pandora_fx_rate(NEW.workspace_id, substr(cached, 37), NEW.currency, NEW.close_date), 2);
  RETURN NEW;
END
$$;
CREATE TRIGGER deals_convert_amount_insert BEFORE INSERT ON deals
  FOR EACH ROW WHEN (NEW.amount IS NOT NULL) EXECUTE FUNCTION deals_convert_amount();
CREATE TRIGGER deals_convert_amount_update BEFORE UPDATE OF amount, currency, close_date ON deals
  FOR EACH ROW WHEN (OLD.amount IS DISTINCT FROM NEW.amount OR OLD.currency IS DISTINCT FROM NEW.currency
                     OR OLD.close_date IS DISTINCT FROM NEW.close_date)
  EXECUTE FUNCTION deals_convert_amount();

-- Rollups sum converted amounts; deals left unconverted (an amount in a currency with no rate) are a
-- group of their own, keyed by that currency, so totals never add two currencies and the summary can
-- say what it left out.
ALTER TABLE deal_pipeline_rollups ADD COLUMN unconverted_currency text;

CREATE OR REPLACE FUNCTION deal_pipeline_rollups_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO deal_pipeline_rollups (workspace_id, is_closed, is_won, pipeline, stage_normalized,
      owner_email, forecast_category, close_month, unconverted_currency, deal_count, amount_sum, weighted_sum)
    SELECT workspace_id, is_closed, is_won, pipeline, stage_normalized, owner_email, forecast_category,
           date_trunc('month', close_date)::date,
           CASE WHEN amount IS NOT NULL AND amount_base IS NULL THEN upper(btrim(currency)) END,
           count(*), coalesce(sum(amount_base), 0), coalesce(sum(amount_base * probability), 0)
    FROM new_deals GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO deal_pipeline_rollups (workspace_id, is_closed, is_won, pipeline, stage_normalized,
      owner_email, forecast_category, close_month, unconverted_currency, deal_count, amount_sum, weighted_sum)
    SELECT workspace_id, is_closed, is_won, pipeline, stage_normalized, owner_email, forecast_category,
           date_trunc('month', close_date)::date,
           CASE WHEN amount IS NOT NULL AND amount_base IS NULL THEN upper(btrim(currency)) END,
           -count(*), -coalesce(sum(amount_base), 0), -coalesce(sum(amount_base * probability), 0)
    FROM old_deals
    -- A workspace being deleted takes its rollups with it; recording its deals' removal would fail
    -- the rollups' foreign key.
    WHERE workspace_id IN (SELECT id FROM workspaces)
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
  ELSE
    -- Updates that leave every summarised column alone (scores, links, raw payloads) net to zero and
    -- write nothing.
    INSERT INTO deal_pipeline_rollups (workspace_id, is_closed, is_won, pipeline, stage_normalized,
      owner_email, forecast_category, close_month, unconverted_currency, deal_count, amount_sum, weighted_sum)
    SELECT workspace_id, is_closed, is_won, pipeline, stage_normalized, owner_email, forecast_category,
           date_trunc('month', close_date)::date, unconverted, sum(n), coalesce(sum(amount), 0),
           coalesce(sum(weighted), 0)
    FROM (
      SELECT workspace_id, is_closed, is_won, pipeline, stage_normalized, owner_email, forecast_category,
             close_date, CASE WHEN amount IS NOT NULL AND amount_base IS NULL THEN upper(btrim(currency)) END AS unconverted,
             1 AS n, amount_base AS amount, amount_base * probability AS weighted
      FROM new_deals
      UNION ALL
      SELECT workspace_id, is_closed, is_won, pipeline, stage_normalized, owner_email, forecast_category,
             close_date, CASE WHEN amount IS NOT NULL AND amount_base IS NULL THEN upper(btrim(currency)) END,
             -1, -amount_base, -(amount_base * probability)
      FROM old_deals
    ) delta
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    HAVING sum(n) <> 0 OR coalesce(sum(amount), 0) <> 0 OR coalesce(sum(weighted), 0) <> 0;
  END IF;
  RETURN NULL;
END
$$;

-- Existing deals: converted with no rates yet (base currency and currency-less amounts only), then
-- the rollups rebuilt from them in base currency.
UPDATE deals SET amount_base = pandora_amount_base(workspace_id, amount, currency, close_date)
WHERE amount IS NOT NULL;
DELETE FROM deal_pipeline_rollups;
INSERT INTO deal_pipeline_rollups (workspace_id, is_closed, is_won, pipeline, stage_normalized,
  owner_email, forecast_category, close_month, unconverted_currency, deal_count, amount_sum, weighted_sum)
SELECT workspace_id, is_closed, is_won, pipeline, stage_normalized, owner_email, forecast_category,
       date_trunc('month', close_date)::date,
       CASE WHEN amount IS NOT NULL AND amount_base IS NULL THEN upper(btrim(currency)) END,
       count(*), coalesce(sum(amount_base), 0), coalesce(sum(amount_base * probability), 0)
FROM deals GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
