-- The process running a sync, so its heartbeat and page commits can tell when another took the run over.
ALTER TABLE sync_log ADD COLUMN worker_id text;
CREATE INDEX sync_log_running_heartbeat ON sync_log (heartbeat_at) WHERE status = 'running';
