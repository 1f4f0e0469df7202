-- Pipeline totals kept beside the deals, so the pipeline summary reads a few hundred rows instead of
-- every open deal (714k index entries per request on a 1M-deal workspace; 32 concurrent summaries
-- queued for seconds on 2 cores).
--
-- Statement-level triggers append one signed delta row per touched group and statement: +1 and the
-- new values for inserted and updated rows, -1 and the old values for updated and deleted ones. Rows
-- are only ever inserted by writers, so concurrent writers of one workspace never wait on each other;
-- compactPipelineRollups() (src/entities/pipeline-rollups.ts) folds a workspace's rows into one row per
-- group after a sync or an import. The summary sums whatever rows exist, so it is exact at any moment.
CREATE TABLE deal_pipeline_rollups (
  workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  is_closed          boolean NOT NULL,
  is_won             boolean NOT NULL,
  pipeline           text,
  stage_normalized   text,
  owner_email        text,
  forecast_category  text,
  close_month        date,            -- first day of the close date's month
  deal_count         bigint NOT NULL,
  amount_sum         numeric NOT NULL,
  weighted_sum       numeric NOT NULL -- sum of amount × probability (a percentage): / 100 to read
);
CREATE INDEX deal_pipeline_rollups_by_state ON deal_pipeline_rollups (workspace_id, is_closed);
SELECT pandora_enable_tenant_rls('deal_pipeline_rollups');

CREATE FUNCTION deal_pipeline_rollups_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO deal_pipeline_rollups
    SELECT workspace_id, is_closed, is_won, pipeline, stage_normalized, owner_email, forecast_category,
           date_trunc('month', close_date)::date, count(*), coalesce(sum(amount), 0),
           coalesce(sum(amount * probability), 0)
    FROM new_deals GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO deal_pipeline_rollups
    SELECT workspace_id, is_closed, is_won, pipeline, stage_normalized, owner_email, forecast_category,
           date_trunc('month', close_date)::date, -count(*), -coalesce(sum(amount), 0),
           -coalesce(sum(amount * probability), 0)
    FROM old_deals
    -- A workspace being deleted takes its rollups with it; recording its deals' removal would fail
    -- the rollups' foreign key.
    WHERE workspace_id IN (SELECT id FROM workspaces)
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
  ELSE
    -- Updates that leave every summarised column alone (scores, links, raw payloads) net to zero and
    -- write nothing.
    INSERT INTO deal_pipeline_rollups
    SELECT workspace_id, is_closed, is_won, pipeline, stage_normalized, owner_email, forecast_category,
           date_trunc('month', close_date)::date, sum(n), coalesce(sum(amount), 0), coalesce(sum(weighted), 0)
    FROM (
      SELECT workspace_id, is_closed, is_won, pipeline, stage_normalized, owner_email, forecast_category,
             close_date, 1 AS n, amount, amount * probability AS weighted
      FROM new_deals
      UNION ALL
      SELECT workspace_id, is_closed, is_won, pipeline, stage_normalized, owner_email, forecast_category,
             close_date, -1, -amount, -(amount * probability)
      FROM old_deals
    ) delta
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    HAVING sum(n) <> 0 OR coalesce(sum(amount), 0) <> 0 OR coalesce(sum(weighted), 0) <> 0;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER deals_rollup_insert AFTER INSERT ON deals
  REFERENCING NEW TABLE AS new_deals FOR EACH STATEMENT EXECUTE FUNCTION deal_pipeline_rollups_record();
CREATE TRIGGER deals_rollup_update AFTER UPDATE ON deals
  REFERENCING OLD TABLE AS old_deals NEW TABLE AS new_deals
  FOR EACH STATEMENT EXECUTE FUNCTION deal_pipeline_rollups_record();
CREATE TRIGGER deals_rollup_delete AFTER DELETE ON deals
  REFERENCING OLD TABLE AS old_deals FOR EACH STATEMENT EXECUTE FUNCTION deal_pipeline_rollups_record();

-- Deals that exist before this migration.
INSERT INTO deal_pipeline_rollups
SELECT workspace_id, is_closed, is_won, pipeline, stage_normalized, owner_email, forecast_category,
       date_trunc('month', close_date)::date, count(*), coalesce(sum(amount), 0),
       coalesce(sum(amount * probability), 0)
FROM deals GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
