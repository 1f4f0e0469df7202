-- Outputs: Slack posts and webhooks.
-- What a run posted (Slack message, its thread, or why it could not) is kept on the run itself.
ALTER TABLE skill_runs ADD COLUMN deliveries jsonb NOT NULL DEFAULT '{}';
ALTER TABLE skill_runs DROP CONSTRAINT skill_runs_trigger_check;
ALTER TABLE skill_runs ADD CONSTRAINT skill_runs_trigger_check
  CHECK (trigger IN ('api', 'cli', 'schedule', 'demo', 'webhook'));

-- Slack settings per workspace: the bot token or incoming-webhook URL encrypted with the credential
-- vault (write-only through the API), the rest readable.
CREATE TABLE slack_settings (
  workspace_id     uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  credentials      bytea NOT NULL,
  enabled          boolean NOT NULL DEFAULT true,
  default_channel  text,
  channels         jsonb NOT NULL DEFAULT '{}',   -- skill id -> channel
  skills           jsonb NOT NULL DEFAULT '{}',   -- skill id -> false turns its posts off
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id)
);
SELECT pandora_enable_tenant_rls('slack_settings');

-- Inbound: the secrets that sign requests to /webhooks/:workspaceId/…. Rotation adds a secret and gives
-- the previous one a short grace period, so a sender can switch without dropping requests.
CREATE TABLE webhook_signing_secrets (
  workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  secret        bytea NOT NULL,            -- encrypted with the credential vault
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,               -- null: current
  PRIMARY KEY (workspace_id, id)
);
SELECT pandora_enable_tenant_rls('webhook_signing_secrets');

-- Inbound receipts: a signature seen within the replay window, or an event id seen before, is refused.
CREATE TABLE webhook_receipts (
  workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  receipt_key   text NOT NULL,             -- 'sig:<hex>' or 'event:<id>'
  received_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, receipt_key)
);
SELECT pandora_enable_tenant_rls('webhook_receipts');
CREATE INDEX webhook_receipts_age ON webhook_receipts (workspace_id, received_at);

-- Outbound: endpoints a workspace registered, and every delivery attempt's state.
CREATE TABLE webhook_endpoints (
  workspace_id          uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id                    uuid NOT NULL DEFAULT gen_random_uuid(),
  url                   text NOT NULL,
  secret                bytea NOT NULL,    -- encrypted; signs each delivery
  events                text[] NOT NULL,
  enabled               boolean NOT NULL DEFAULT true,
  disabled_reason       text,
  consecutive_failures  integer NOT NULL DEFAULT 0,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
SELECT pandora_enable_tenant_rls('webhook_endpoints');

CREATE TABLE webhook_deliveries (
  workspace_id     uuid NOT NULL,
  id               uuid NOT NULL DEFAULT gen_random_uuid(),
  endpoint_id      uuid NOT NULL,
  event_id         uuid NOT NULL,
  event_type       text NOT NULL,
  payload          jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_status      integer,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, endpoint_id, event_id),
  FOREIGN KEY (workspace_id, endpoint_id) REFERENCES webhook_endpoints (workspace_id, id) ON DELETE CASCADE
);
SELECT pandora_enable_tenant_rls('webhook_deliveries');
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (workspace_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (workspace_id, endpoint_id, created_at DESC);
