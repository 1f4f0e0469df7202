-- The company domains the linker matches participants' addresses against (src/linker/account-domains.ts),
-- one row per account, normalised domain and kind (primary or additional), free-mail domains left out.
-- A run in chunks stores them once at its start; each chunk then probes the domains of its own
-- participants and its contacts' accounts by index, instead of normalising every account's domains
-- again (a chunk of 500 calls read the whole accounts table, 200 times per run at 100k calls). A pass
-- in one transaction computes them inline and does not read this table.
CREATE TABLE linker_account_domains (
  workspace_id       uuid NOT NULL,
  domain             text NOT NULL,
  account_id         uuid NOT NULL,
  is_primary         boolean NOT NULL,
  source_created_at  timestamptz,
  PRIMARY KEY (workspace_id, domain, account_id, is_primary),
  FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX linker_account_domains_by_account ON linker_account_domains (workspace_id, account_id);
SELECT pandora_enable_tenant_rls('linker_account_domains');
