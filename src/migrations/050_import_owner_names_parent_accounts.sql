-- Owners a file names without an email are kept by name (and listed in the sales roster); an account may
-- belong to a parent account (a parent-company column of an accounts file).
ALTER TABLE accounts ADD COLUMN owner_name text;
ALTER TABLE contacts ADD COLUMN owner_name text;
ALTER TABLE deals ADD COLUMN owner_name text;
ALTER TABLE accounts ADD COLUMN parent_account_id uuid;
ALTER TABLE accounts ADD CONSTRAINT accounts_parent_account_fk
  FOREIGN KEY (workspace_id, parent_account_id) REFERENCES accounts (workspace_id, id) ON DELETE SET NULL (parent_account_id);
CREATE INDEX accounts_by_parent ON accounts (workspace_id, parent_account_id) WHERE parent_account_id IS NOT NULL;
