-- Computed scores in list responses: range filters (deal_risk_min, health_score_max, …) and score-ordered
-- keyset pages. deal_risk is a smallint, whose comparisons are LEAKPROOF, so under row-level security a
-- bound on it is an index condition as it stands. The other scores are numeric(5, 1), whose comparisons
-- are not (see 013_amount_index_key.sql): lists read them through bigint twins holding tenths.
ALTER TABLE deals
  ADD COLUMN velocity_score_tenths bigint GENERATED ALWAYS AS ((velocity_score * 10)::bigint) STORED,
  ADD COLUMN engagement_score_tenths bigint GENERATED ALWAYS AS ((engagement_score * 10)::bigint) STORED;
ALTER TABLE accounts
  ADD COLUMN engagement_score_tenths bigint GENERATED ALWAYS AS ((engagement_score * 10)::bigint) STORED,
  ADD COLUMN health_score_tenths bigint GENERATED ALWAYS AS ((health_score * 10)::bigint) STORED;

-- One (workspace_id, score, id) btree per score serves both directions: pages sort unscored rows (closed
-- deals) last either way, fetched as a second branch of the page (src/db/list-query.ts).
CREATE INDEX deals_by_risk ON deals (workspace_id, deal_risk, id);
CREATE INDEX deals_by_velocity ON deals (workspace_id, velocity_score_tenths, id);
CREATE INDEX deals_by_engagement ON deals (workspace_id, engagement_score_tenths, id);
CREATE INDEX accounts_by_health ON accounts (workspace_id, health_score_tenths, id);
CREATE INDEX accounts_by_engagement ON accounts (workspace_id, engagement_score_tenths, id);
