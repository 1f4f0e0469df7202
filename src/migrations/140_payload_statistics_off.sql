-- No planner statistics for the payload columns of the entity tables: raw source records, custom
-- fields, score reasons, participant lists and transcripts. No plan turns on one of them (readers take
-- keys out with ->> or test a key inside an expression, which these statistics do not describe), yet
-- ANALYZE sampled, detoasted and sorted every one of them: half the time of ANALYZE deals. On the embedded
-- database an ANALYZE runs on the server's one thread, so every request waits for it; the post-sync
-- chain analyses deals after the import, the linker and the computed fields.
ALTER TABLE deals
  ALTER COLUMN source_data SET STATISTICS 0, ALTER COLUMN custom_fields SET STATISTICS 0,
  ALTER COLUMN velocity_reasons SET STATISTICS 0, ALTER COLUMN deal_risk_reasons SET STATISTICS 0,
  ALTER COLUMN engagement_reasons SET STATISTICS 0;
ALTER TABLE accounts
  ALTER COLUMN source_data SET STATISTICS 0, ALTER COLUMN custom_fields SET STATISTICS 0,
  ALTER COLUMN engagement_reasons SET STATISTICS 0, ALTER COLUMN health_reasons SET STATISTICS 0;
ALTER TABLE conversations
  ALTER COLUMN source_data SET STATISTICS 0, ALTER COLUMN custom_fields SET STATISTICS 0,
  ALTER COLUMN participants SET STATISTICS 0, ALTER COLUMN crm_context SET STATISTICS 0,
  ALTER COLUMN topics SET STATISTICS 0, ALTER COLUMN action_items SET STATISTICS 0,
  ALTER COLUMN transcript SET STATISTICS 0;
ALTER TABLE contacts ALTER COLUMN source_data SET STATISTICS 0, ALTER COLUMN custom_fields SET STATISTICS 0;
ALTER TABLE activities ALTER COLUMN source_data SET STATISTICS 0, ALTER COLUMN custom_fields SET STATISTICS 0;
ALTER TABLE tasks ALTER COLUMN source_data SET STATISTICS 0, ALTER COLUMN custom_fields SET STATISTICS 0;
ALTER TABLE calls ALTER COLUMN source_data SET STATISTICS 0, ALTER COLUMN custom_fields SET STATISTICS 0;
ALTER TABLE documents
  ALTER COLUMN source_data SET STATISTICS 0, ALTER COLUMN custom_fields SET STATISTICS 0,
  ALTER COLUMN owners SET STATISTICS 0;
ALTER TABLE leads ALTER COLUMN source_data SET STATISTICS 0, ALTER COLUMN custom_fields SET STATISTICS 0;
ALTER TABLE deal_contacts ALTER COLUMN apollo_data SET STATISTICS 0, ALTER COLUMN linkedin_data SET STATISTICS 0;
ALTER TABLE import_batch_changes ALTER COLUMN previous SET STATISTICS 0;
