-- Conversations without deals in the list's own order: the page is read off the index instead of
-- sorting every unlinked external call of the workspace (src/linker/conversations-without-deals.ts sorts
-- by coalesce(started_at, 'epoch'), and for `-duration` by coalesce(duration_seconds, 0) first).
CREATE INDEX conversations_without_deal_by_start ON conversations
  (workspace_id, (coalesce(started_at, 'epoch'::timestamptz)), id)
  WHERE is_internal = FALSE AND account_id IS NOT NULL AND deal_id IS NULL;
CREATE INDEX conversations_without_deal_by_duration ON conversations
  (workspace_id, (coalesce(duration_seconds, 0)), (coalesce(started_at, 'epoch'::timestamptz)), id)
  WHERE is_internal = FALSE AND account_id IS NOT NULL AND deal_id IS NULL;

-- Open deals by risk (`deals?is_closed=false&sort=-deal_risk`, the at-risk pipeline): the keyset page
-- walks only open live deals, in both branches of the page (scored, then unscored).
CREATE INDEX deals_open_by_risk ON deals (workspace_id, deal_risk, id) WHERE NOT is_closed AND deleted_at IS NULL;
