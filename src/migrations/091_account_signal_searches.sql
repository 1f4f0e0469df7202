-- When an account's company signals were last searched for, whatever was found: a re-run within the TTL
-- asks Serper nothing, even for an account that had no news.
CREATE TABLE account_signal_searches (
  workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  account_id    uuid NOT NULL,
  searched_at   timestamptz NOT NULL DEFAULT now(),
  results       integer NOT NULL CHECK (results >= 0),
  classifier    text NOT NULL,
  PRIMARY KEY (workspace_id, account_id),
  FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE
);
SELECT pandora_enable_tenant_rls('account_signal_searches');
