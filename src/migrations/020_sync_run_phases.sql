-- A sync run is running until its post-sync chain is done: `phase` says which part runs (fetching pages,
-- then the chain) and `post_sync` the chain's own state, so a client waits on `status` alone.
ALTER TABLE sync_log
  ADD COLUMN phase text CHECK (phase IN ('fetching', 'post_sync')),
  ADD COLUMN post_sync text CHECK (post_sync IN ('pending', 'running', 'done', 'failed'));

-- One run fetches per connector at a time; a run whose pages are all written and whose chain is still
-- running does not hold back the next fetch (a webhook or manual request then starts a new run).
DROP INDEX sync_log_one_active;
CREATE UNIQUE INDEX sync_log_one_fetching ON sync_log (workspace_id, connector_name)
  WHERE status = 'queued' OR (status = 'running' AND phase IS DISTINCT FROM 'post_sync');
