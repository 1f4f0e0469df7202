-- The deal-insights digest (src/outputs/slack/insights-digest.ts): what an extraction run posted to Slack
-- (or why it could not) is kept on the run, as skill runs keep theirs.
ALTER TABLE insight_runs ADD COLUMN deliveries jsonb NOT NULL DEFAULT '{}';
-- The digest reads the current insights written since a time, newest first.
CREATE INDEX deal_insights_written ON deal_insights (workspace_id, created_at DESC) WHERE is_current;
