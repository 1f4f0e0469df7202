-- The conversations-without-deals summary scores every call without a deal on each request
-- (src/linker/conversations-without-deals.ts). Its calls come off this index alone while the table is
-- vacuumed (an index-only scan), not off the heap: 240k of 1.2M wide rows at a million deals, read whole
-- for four columns. The calls without stored facts are read again by id.
CREATE INDEX conversations_without_deal_scoring ON conversations (workspace_id, id)
  INCLUDE (account_id, started_at, duration_seconds)
  WHERE is_internal = FALSE AND account_id IS NOT NULL AND deal_id IS NULL;

-- Whether a call's account has an open deal, answered from the index alone (the likely cause).
CREATE INDEX deals_open_by_account ON deals (workspace_id, account_id)
  WHERE NOT is_closed AND deleted_at IS NULL;
