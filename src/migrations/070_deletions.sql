-- Records deleted or merged at their source. They stay (history, links that explain old findings) with
-- deleted_at set, and merged_into_id naming the surviving record when the source merged them; lists,
-- totals, rollups and skills leave them out unless asked (include_deleted=true on lists).

ALTER TABLE accounts ADD COLUMN deleted_at timestamptz, ADD COLUMN merged_into_id uuid,
  ADD FOREIGN KEY (workspace_id, merged_into_id) REFERENCES accounts (workspace_id, id)
    ON DELETE SET NULL (merged_into_id);
ALTER TABLE contacts ADD COLUMN deleted_at timestamptz, ADD COLUMN merged_into_id uuid,
  ADD FOREIGN KEY (workspace_id, merged_into_id) REFERENCES contacts (workspace_id, id)
    ON DELETE SET NULL (merged_into_id);
ALTER TABLE deals ADD COLUMN deleted_at timestamptz, ADD COLUMN merged_into_id uuid,
  ADD FOREIGN KEY (workspace_id, merged_into_id) REFERENCES deals (workspace_id, id)
    ON DELETE SET NULL (merged_into_id);
ALTER TABLE leads ADD COLUMN deleted_at timestamptz, ADD COLUMN merged_into_id uuid,
  ADD FOREIGN KEY (workspace_id, merged_into_id) REFERENCES leads (workspace_id, id)
    ON DELETE SET NULL (merged_into_id);

-- Few rows are ever deleted: partial indexes keep the ledger's counts and the merge lookups cheap.
CREATE INDEX accounts_deleted ON accounts (workspace_id, source) WHERE deleted_at IS NOT NULL;
CREATE INDEX contacts_deleted ON contacts (workspace_id, source) WHERE deleted_at IS NOT NULL;
CREATE INDEX deals_deleted ON deals (workspace_id, source) WHERE deleted_at IS NOT NULL;
CREATE INDEX leads_deleted ON leads (workspace_id, source) WHERE deleted_at IS NOT NULL;
CREATE INDEX accounts_merged_into ON accounts (workspace_id, merged_into_id) WHERE merged_into_id IS NOT NULL;
CREATE INDEX contacts_merged_into ON contacts (workspace_id, merged_into_id) WHERE merged_into_id IS NOT NULL;
CREATE INDEX deals_merged_into ON deals (workspace_id, merged_into_id) WHERE merged_into_id IS NOT NULL;
CREATE INDEX leads_merged_into ON leads (workspace_id, merged_into_id) WHERE merged_into_id IS NOT NULL;

-- The rollups of 040 with deleted deals left out: a deal deleted by an update leaves its group (-1 and its
-- amounts), a restored one comes back. Base-currency sums and the unconverted groups are unchanged.
CREATE OR REPLACE FUNCTION deal_pipeline_rollups_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO deal_pipeline_rollups (workspace_id, is_closed, is_won, pipeline, stage_normalized,
      owner_email, forecast_category, close_month, unconverted_currency, deal_count, amount_sum, weighted_sum)
    SELECT workspace_id, is_closed, is_won, pipeline, stage_normalized, owner_email, forecast_category,
           date_trunc('month', close_date)::date,
           CASE WHEN amount IS NOT NULL AND amount_base IS NULL THEN upper(btrim(currency)) END,
           count(*), coalesce(sum(amount_base), 0), coalesce(sum(amount_base * probability), 0)
    FROM new_deals WHERE deleted_at IS NULL GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
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
    WHERE deleted_at IS NULL AND workspace_id IN (SELECT id FROM workspaces)
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
  ELSE
    INSERT INTO deal_pipeline_rollups (workspace_id, is_closed, is_won, pipeline, stage_normalized,
      owner_email, forecast_category, close_month, unconverted_currency, deal_count, amount_sum, weighted_sum)
    SELECT workspace_id, is_closed, is_won, pipeline, stage_normalized, owner_email, forecast_category,
           date_trunc('month', close_date)::date, unconverted, sum(n), coalesce(sum(amount), 0),
           coalesce(sum(weighted), 0)
    FROM (
      SELECT workspace_id, is_closed, is_won, pipeline, stage_normalized, owner_email, forecast_category,
             close_date, CASE WHEN amount IS NOT NULL AND amount_base IS NULL THEN upper(btrim(currency)) END AS unconverted,
             1 AS n, amount_base AS amount, amount_base * probability AS weighted
      FROM new_deals WHERE deleted_at IS NULL
      UNION ALL
      SELECT workspace_id, is_closed, is_won, pipeline, stage_normalized, owner_email, forecast_category,
             close_date, CASE WHEN amount IS NOT NULL AND amount_base IS NULL THEN upper(btrim(currency)) END,
             -1, -amount_base, -(amount_base * probability)
      FROM old_deals WHERE deleted_at IS NULL
    ) delta
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    HAVING sum(n) <> 0 OR coalesce(sum(amount), 0) <> 0 OR coalesce(sum(weighted), 0) <> 0;
  END IF;
  RETURN NULL;
END
$$;
