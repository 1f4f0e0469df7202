-- The process running a skill run and its heartbeat: a run whose process died is queued again.
ALTER TABLE skill_runs ADD COLUMN worker_id text, ADD COLUMN heartbeat_at timestamptz;
CREATE INDEX skill_runs_running ON skill_runs (workspace_id, heartbeat_at) WHERE status = 'running';
