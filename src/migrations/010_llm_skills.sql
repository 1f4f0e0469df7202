-- The LLM usage ledger and skill runs.

CREATE TABLE skill_runs (
  workspace_id   uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id             uuid NOT NULL DEFAULT gen_random_uuid(),
  skill_id       text NOT NULL,
  status         text NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  trigger        text NOT NULL DEFAULT 'api' CHECK (trigger IN ('api', 'cli', 'schedule', 'demo')),
  inputs         jsonb NOT NULL DEFAULT '{}',
  phase_timings  jsonb NOT NULL DEFAULT '{}',   -- {compute_ms, classify_ms, synthesize_ms}
  tokens         jsonb NOT NULL DEFAULT '{}',   -- {classify: {input, output}, synthesize: {input, output}}
  progress       jsonb NOT NULL DEFAULT '{}',
  result         jsonb,
  error          text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  started_at     timestamptz,
  finished_at    timestamptz,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX skill_runs_by_skill ON skill_runs (workspace_id, skill_id, created_at DESC);
CREATE INDEX skill_runs_by_created ON skill_runs (workspace_id, created_at DESC);
SELECT pandora_enable_tenant_rls('skill_runs');

CREATE TABLE llm_usage (
  workspace_id   uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id             uuid NOT NULL DEFAULT gen_random_uuid(),
  skill_run_id   uuid,
  tier           text NOT NULL CHECK (tier IN ('classify', 'synthesize')),
  provider       text NOT NULL,
  model          text NOT NULL,
  task           text NOT NULL,
  input_tokens   integer NOT NULL DEFAULT 0,
  output_tokens  integer NOT NULL DEFAULT 0,
  latency_ms     integer NOT NULL DEFAULT 0,
  cost_usd       numeric(12, 6) NOT NULL DEFAULT 0,
  status         text NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'invalid_output', 'error')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, skill_run_id) REFERENCES skill_runs (workspace_id, id) ON DELETE SET NULL (skill_run_id)
);
CREATE INDEX llm_usage_by_day ON llm_usage (workspace_id, created_at);
SELECT pandora_enable_tenant_rls('llm_usage');
