-- An index behind every composite foreign key. Without one, deleting a parent row (a workspace, an
-- account) scans each child table once per deleted row. Partial on NOT NULL: the referencing side is
-- often empty, and an equality lookup implies NOT NULL, so the smaller index still serves it.
CREATE INDEX activities_by_account ON activities (workspace_id, account_id) WHERE account_id IS NOT NULL;
CREATE INDEX activities_by_contact ON activities (workspace_id, contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX calls_by_account ON calls (workspace_id, account_id) WHERE account_id IS NOT NULL;
CREATE INDEX calls_by_contact ON calls (workspace_id, contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX conversations_by_contact ON conversations (workspace_id, contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX documents_by_account ON documents (workspace_id, account_id) WHERE account_id IS NOT NULL;
CREATE INDEX documents_by_deal ON documents (workspace_id, deal_id) WHERE deal_id IS NOT NULL;
CREATE INDEX leads_by_converted_contact ON leads (workspace_id, converted_contact_id) WHERE converted_contact_id IS NOT NULL;
CREATE INDEX leads_by_converted_account ON leads (workspace_id, converted_account_id) WHERE converted_account_id IS NOT NULL;
CREATE INDEX leads_by_converted_deal ON leads (workspace_id, converted_deal_id) WHERE converted_deal_id IS NOT NULL;
CREATE INDEX tasks_by_account ON tasks (workspace_id, account_id) WHERE account_id IS NOT NULL;
CREATE INDEX tasks_by_contact ON tasks (workspace_id, contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX sync_log_by_connection ON sync_log (workspace_id, connection_id) WHERE connection_id IS NOT NULL;
CREATE INDEX llm_usage_by_skill_run ON llm_usage (workspace_id, skill_run_id) WHERE skill_run_id IS NOT NULL;
