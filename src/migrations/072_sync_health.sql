-- Sync fidelity ledger: association reconciliation passes, counts at the source beside the stored ones
-- (drift over time), and records a connector's normaliser refused, with the reason.

-- A pass over every association at the source (deal↔contact, deal↔company, contact↔company), independent
-- of the sync cursor, and what it corrected; counts = {deal_contact: {checked, added, removed, moved, …}}.
CREATE TABLE association_reconciliations (
  workspace_id    uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  connector_name  text NOT NULL,
  trigger         text NOT NULL CHECK (trigger IN ('manual', 'scheduled')),
  status          text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  counts          jsonb NOT NULL DEFAULT '{}',
  error           text,
  started_at      timestamptz NOT NULL DEFAULT now(),
  heartbeat_at    timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX association_reconciliations_by_connector
  ON association_reconciliations (workspace_id, connector_name, started_at DESC);
-- One pass at a time per connector; a second request joins the running one.
CREATE UNIQUE INDEX association_reconciliations_one_running
  ON association_reconciliations (workspace_id, connector_name) WHERE status = 'running';
SELECT pandora_enable_tenant_rls('association_reconciliations');

-- Per object type: the source's own total (HubSpot search total, Salesforce COUNT()) and what is stored,
-- taken after each sync and reconciliation; drift = source_count - stored_count.
CREATE TABLE sync_health_snapshots (
  workspace_id    uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  connector_name  text NOT NULL,
  entity          text NOT NULL,
  source_count    bigint NOT NULL CHECK (source_count >= 0),
  stored_count    bigint NOT NULL CHECK (stored_count >= 0),
  deleted_count   bigint NOT NULL CHECK (deleted_count >= 0),
  sync_log_id     uuid,
  taken_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, sync_log_id) REFERENCES sync_log (workspace_id, id) ON DELETE SET NULL (sync_log_id)
);
CREATE INDEX sync_health_snapshots_by_entity
  ON sync_health_snapshots (workspace_id, connector_name, entity, taken_at DESC);
CREATE INDEX sync_health_snapshots_sync_log ON sync_health_snapshots (workspace_id, sync_log_id);
SELECT pandora_enable_tenant_rls('sync_health_snapshots');

-- Records a connector read and could not normalise: the latest reason per record; a later successful
-- write of the same record removes its row.
CREATE TABLE sync_rejections (
  workspace_id    uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  connector_name  text NOT NULL,
  entity          text NOT NULL,
  source_id       text NOT NULL,
  reason          text NOT NULL,
  sync_log_id     uuid,
  first_seen_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, connector_name, entity, source_id),
  FOREIGN KEY (workspace_id, sync_log_id) REFERENCES sync_log (workspace_id, id) ON DELETE SET NULL (sync_log_id)
);
CREATE INDEX sync_rejections_sync_log ON sync_rejections (workspace_id, sync_log_id);
SELECT pandora_enable_tenant_rls('sync_rejections');
