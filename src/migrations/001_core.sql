-- Workspaces (tenants), their API keys, connections to external sources, sync runs,
-- the context layer and quotas.

CREATE TABLE workspaces (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  settings    jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Only a SHA-256 of each key is stored; the prefix identifies a key in listings.
CREATE TABLE api_keys (
  workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  name          text NOT NULL DEFAULT '',
  key_prefix    text NOT NULL,
  key_hash      bytea NOT NULL,
  scopes        text[] NOT NULL DEFAULT '{read,write}',
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, key_hash)
);

-- connector_name is free text on purpose: csv_import, enrichment_config and future connectors fit
-- without a schema change.
CREATE TABLE connections (
  workspace_id    uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  connector_name  text NOT NULL,
  status          text NOT NULL DEFAULT 'connected'
                  CHECK (status IN ('connected', 'syncing', 'error', 'auth_failed', 'disconnected')),
  credentials     bytea,          -- AES-256-GCM envelope, never returned by the API
  base_url        text,
  metadata        jsonb NOT NULL DEFAULT '{}',
  sync_cursor     jsonb NOT NULL DEFAULT '{}',
  last_sync_at    timestamptz,
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, connector_name)
);

CREATE TABLE sync_log (
  workspace_id    uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  connection_id   uuid,
  connector_name  text NOT NULL,
  trigger         text NOT NULL CHECK (trigger IN ('manual', 'scheduled', 'webhook', 'initial')),
  mode            text NOT NULL DEFAULT 'incremental' CHECK (mode IN ('initial', 'incremental')),
  status          text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  counts          jsonb NOT NULL DEFAULT '{}',  -- {deals: {inserted, updated, unchanged}, …}
  progress        jsonb NOT NULL DEFAULT '{}',
  error           text,
  started_at      timestamptz,
  finished_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, connection_id) REFERENCES connections (workspace_id, id) ON DELETE SET NULL (connection_id)
);
CREATE INDEX sync_log_by_connector ON sync_log (workspace_id, connector_name, created_at DESC);

-- One row per workspace; each section is a JSON document validated by its zod schema.
CREATE TABLE context_layer (
  workspace_id          uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  business_model        jsonb NOT NULL DEFAULT '{}',
  team_structure        jsonb NOT NULL DEFAULT '{}',
  goals_and_targets     jsonb NOT NULL DEFAULT '{}',
  definitions           jsonb NOT NULL DEFAULT '{}',
  operational_maturity  jsonb NOT NULL DEFAULT '{}',
  version               integer NOT NULL DEFAULT 1,
  updated_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id)
);

CREATE TABLE quota_periods (
  workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  name          text NOT NULL,
  period_type   text NOT NULL CHECK (period_type IN ('month', 'quarter', 'half', 'year', 'custom')),
  start_date    date NOT NULL,
  end_date      date NOT NULL,
  team_quota    numeric(18, 2) NOT NULL DEFAULT 0 CHECK (team_quota >= 0),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  CHECK (end_date >= start_date)
);
CREATE INDEX quota_periods_by_dates ON quota_periods (workspace_id, start_date, end_date);

CREATE TABLE rep_quotas (
  workspace_id  uuid NOT NULL,
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  period_id     uuid NOT NULL,
  rep_email     text NOT NULL,
  quota_amount  numeric(18, 2) NOT NULL CHECK (quota_amount >= 0),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, period_id) REFERENCES quota_periods (workspace_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX rep_quotas_one_per_rep ON rep_quotas (workspace_id, period_id, lower(rep_email));
