-- Connector sync: workspace stage mappings, one active sync per connector, lookups the sync relies on.

CREATE TABLE stage_mappings (
  workspace_id      uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id                uuid NOT NULL DEFAULT gen_random_uuid(),
  source            text NOT NULL,
  raw_stage         text NOT NULL,
  stage_normalized  text NOT NULL CHECK (stage_normalized IN ('awareness', 'qualification', 'evaluation',
                                         'decision', 'negotiation', 'closed_won', 'closed_lost')),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, source, raw_stage)
);
SELECT pandora_enable_tenant_rls('stage_mappings');

-- A second trigger while a sync is queued or running finds this row instead of starting another.
CREATE UNIQUE INDEX sync_log_one_active ON sync_log (workspace_id, connector_name)
  WHERE status IN ('queued', 'running');

-- Re-normalising after a mapping change touches deals by (source, raw stage).
CREATE INDEX deals_by_source_stage ON deals (workspace_id, source, stage);

-- Written on every committed page; a running sync whose heartbeat stops was lost with its worker.
ALTER TABLE sync_log ADD COLUMN heartbeat_at timestamptz;
