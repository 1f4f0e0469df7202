-- Computed fields written by src/compute: scores on deals and accounts, each with the evidence
-- (rule, rows) that produced it. amount_baseline is the first amount the engine saw, the reference
-- for the amount-change rule when the source keeps no amount history.

ALTER TABLE deals
  ADD COLUMN velocity_score      numeric(5, 1),
  ADD COLUMN velocity_reasons    jsonb,
  ADD COLUMN deal_risk           smallint CHECK (deal_risk BETWEEN 0 AND 100),
  ADD COLUMN deal_risk_reasons   jsonb,
  ADD COLUMN engagement_score    numeric(5, 1),
  ADD COLUMN engagement_reasons  jsonb,
  ADD COLUMN amount_baseline     numeric(18, 2),
  ADD COLUMN computed_at         timestamptz;

ALTER TABLE accounts
  ADD COLUMN engagement_score    numeric(5, 1),
  ADD COLUMN engagement_reasons  jsonb,
  ADD COLUMN health_score        numeric(5, 1),
  ADD COLUMN health_reasons      jsonb,
  ADD COLUMN computed_at         timestamptz;

-- Stage-history lookups (risk evidence, deal timelines) go by deal.
CREATE INDEX deal_stage_history_by_deal ON deal_stage_history (workspace_id, deal_id, changed_at);
