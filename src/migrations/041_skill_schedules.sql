-- Skill schedules per workspace: a cron expression in a time zone, on or off, and when it runs next.
-- A skill's built-in schedule (its `schedule` in code) is written here for every workspace by the
-- scheduler tick the first time it sees the workspace (is_default); a workspace changes or turns it
-- off through the API. The tick claims due rows with FOR UPDATE SKIP LOCKED and moves next_run_at on
-- in the same transaction, so across any number of processes each slot runs once.
CREATE TABLE skill_schedules (
  workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  skill_id      text NOT NULL,
  cron          text NOT NULL,
  timezone      text NOT NULL DEFAULT 'UTC',
  enabled       boolean NOT NULL DEFAULT true,
  inputs        jsonb NOT NULL DEFAULT '{}',
  is_default    boolean NOT NULL DEFAULT false,
  next_run_at   timestamptz,
  last_run_at   timestamptz,
  last_run_id   uuid,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, skill_id)
);
SELECT pandora_enable_tenant_rls('skill_schedules');
