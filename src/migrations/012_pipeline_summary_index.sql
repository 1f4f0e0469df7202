-- The pipeline summary reads every open deal of a workspace; with the grouped and summed columns
-- included, it is an index-only scan instead of a scan over wide rows with their raw source_data
-- (measured on 200k deals: 432 ms → 156 ms database time, pages read 75k → 1.2k).
CREATE INDEX deals_pipeline_summary ON deals (workspace_id, is_closed)
  INCLUDE (stage_normalized, owner_email, forecast_category, close_date, amount, probability, is_won);
