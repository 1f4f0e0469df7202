-- Linker support: the lookups its set-based statements make, and the conversations-without-deals list.

-- Tier 2 looks deals and accounts up by (source, source_id): served by their unique keys.
-- Tier 1 joins participants to contacts on lower(email): contacts_by_email (002).
-- Tier 1 and 3 walk an account's deals by date.
CREATE INDEX deals_by_account_dates ON deals (workspace_id, account_id, source_created_at);

-- The conversations-without-deals list: external, linked to an account, no deal, newest first.
CREATE INDEX conversations_without_deal ON conversations (workspace_id, started_at DESC, id)
  WHERE is_internal = FALSE AND account_id IS NOT NULL AND deal_id IS NULL;

-- Coverage and re-linking read conversations by link method.
CREATE INDEX conversations_by_link_method ON conversations (workspace_id, link_method);

-- Rep attribution resolves organizers case-insensitively.
CREATE INDEX conversations_by_organizer ON conversations (workspace_id, lower(organizer_email));
