-- Closed-deal enrichment, second part: when each account was last searched for signals, and the
-- buying role's confidence beside the CRM's.

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

-- The resolved buying role's confidence has its own column: role_confidence is the CRM's, rewritten by
-- every sync that carries the link, so the pipeline's figure would not survive the next sync there.
ALTER TABLE deal_contacts
  ADD COLUMN buying_role_confidence numeric(3, 2) CHECK (buying_role_confidence BETWEEN 0 AND 1);
