-- A workspace foreign key that another key of the same row already implies: the row also references a
-- parent (a deal, a contact, an account, a conversation, a profile) by (workspace_id, parent_id), both
-- NOT NULL and ON DELETE CASCADE, and the parent references its workspace. The parent's key proves the
-- workspace exists, and deleting the workspace deletes the parent and so the row. The second check cost
-- every insert a lookup per row: a sixth of an import's stage-history statement.
ALTER TABLE deal_contacts DROP CONSTRAINT deal_contacts_workspace_id_fkey;
ALTER TABLE deal_stage_history DROP CONSTRAINT deal_stage_history_workspace_id_fkey;
ALTER TABLE deal_insights DROP CONSTRAINT deal_insights_workspace_id_fkey;
ALTER TABLE insight_extractions DROP CONSTRAINT insight_extractions_workspace_id_fkey;
ALTER TABLE deal_field_history DROP CONSTRAINT deal_field_history_workspace_id_fkey;
ALTER TABLE account_signals DROP CONSTRAINT account_signals_workspace_id_fkey;
ALTER TABLE lead_scores DROP CONSTRAINT lead_scores_workspace_id_fkey;
ALTER TABLE deal_enrichments DROP CONSTRAINT deal_enrichments_workspace_id_fkey;
ALTER TABLE account_signal_searches DROP CONSTRAINT account_signal_searches_workspace_id_fkey;
