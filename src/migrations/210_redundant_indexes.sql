-- Two indexes whose columns lead another index on the same table: every query that used them is served
-- as well by the longer one, and every write to deals or the stage history paid for both.
-- deals_by_account (workspace_id, account_id) leads deals_by_account_dates (…, source_created_at);
-- deal_stage_history_by_deal (workspace_id, deal_id, changed_at) leads the history's unique key
-- (…, to_stage).
DROP INDEX deals_by_account;
DROP INDEX deal_stage_history_by_deal;
