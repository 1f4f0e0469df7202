-- Deals whose owner is known only by name (a file import of names no known owner matched). The pipeline
-- summary by owner asks whether a workspace has any: its rollups key owners by email, so such a workspace
-- is summarised from the deals themselves.
CREATE INDEX deals_owner_name_only ON deals (workspace_id) WHERE owner_email IS NULL AND owner_name IS NOT NULL;
