-- Workflows: trees a workspace designs, their compiled ActivePieces flows, the engine-side state
-- provisioned for them, and a mirror of their runs.
CREATE TABLE workflow_definitions (
  workspace_id      uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id                uuid NOT NULL DEFAULT gen_random_uuid(),
  name              text NOT NULL,
  description       text,
  template_id       text,                      -- the built-in template it came from, if any
  trigger_type      text NOT NULL CHECK (trigger_type IN ('skill_finding', 'sync_event', 'schedule', 'webhook')),
  tree              jsonb NOT NULL,
  compiled          jsonb,                     -- IMPORT_FLOW request; null while the tree has errors
  issues            jsonb NOT NULL DEFAULT '[]',
  version           integer NOT NULL DEFAULT 1,
  status            text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'paused', 'error')),
  ap_flow_id        text,
  ap_version_id     text,                      -- the published flow version
  deployed_version  integer,                   -- which of our versions is published
  last_error        text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
SELECT pandora_enable_tenant_rls('workflow_definitions');
CREATE INDEX workflow_definitions_active_trigger ON workflow_definitions (workspace_id, trigger_type)
  WHERE status = 'active';

-- Every saved tree, so a run can be read against the version that produced it.
CREATE TABLE workflow_versions (
  workspace_id  uuid NOT NULL,
  workflow_id   uuid NOT NULL,
  version       integer NOT NULL,
  tree          jsonb NOT NULL,
  compiled      jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, workflow_id, version),
  FOREIGN KEY (workspace_id, workflow_id) REFERENCES workflow_definitions (workspace_id, id) ON DELETE CASCADE
);
SELECT pandora_enable_tenant_rls('workflow_versions');

-- Engine-side state per workspace: its ActivePieces project (external id = workspace id) ...
CREATE TABLE workflow_engine_projects (
  workspace_id   uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  ap_project_id  text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id)
);
SELECT pandora_enable_tenant_rls('workflow_engine_projects');

-- ... and its app connections, one per piece: provisioned, or waiting for an OAuth consent step.
CREATE TABLE workflow_app_connections (
  workspace_id      uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  piece             text NOT NULL,
  external_id       text NOT NULL,
  ap_connection_id  text,
  status            text NOT NULL CHECK (status IN ('active', 'needs_consent', 'error')),
  message           text,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, piece)
);
SELECT pandora_enable_tenant_rls('workflow_app_connections');

-- Runs as ActivePieces reports them. event_key deduplicates event-triggered runs (one per event).
CREATE TABLE workflow_runs (
  workspace_id  uuid NOT NULL,
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  workflow_id   uuid NOT NULL,
  version       integer NOT NULL,
  trigger       text NOT NULL CHECK (trigger IN ('event', 'manual', 'schedule', 'webhook')),
  event_key     text,
  ap_run_id     text,
  status        text NOT NULL,               -- ActivePieces' run status, or 'SENT' before one is found
  steps         jsonb,
  error         text,
  started_at    timestamptz,
  finished_at   timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, workflow_id, event_key),
  UNIQUE (workspace_id, ap_run_id),
  FOREIGN KEY (workspace_id, workflow_id) REFERENCES workflow_definitions (workspace_id, id) ON DELETE CASCADE
);
SELECT pandora_enable_tenant_rls('workflow_runs');
CREATE INDEX workflow_runs_by_workflow ON workflow_runs (workspace_id, workflow_id, created_at DESC);
CREATE INDEX workflow_runs_open ON workflow_runs (workspace_id, created_at)
  WHERE finished_at IS NULL;
