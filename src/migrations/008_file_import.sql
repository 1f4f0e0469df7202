-- File import (connector_name 'csv_import'): upload batches and the row images that make a batch
-- reversible, plus the company-name key the association inference matches on.

CREATE TABLE import_batches (
  workspace_id    uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  entity_type     text NOT NULL CHECK (entity_type IN ('accounts', 'contacts', 'deals', 'activities', 'leads')),
  status          text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'confirmed', 'applied', 'rolled_back', 'cancelled', 'failed')),
  file_name       text NOT NULL,
  file_format     text NOT NULL CHECK (file_format IN ('csv', 'xlsx')),
  file_size       bigint NOT NULL CHECK (file_size >= 0),
  temp_path       text,            -- deleted once applied, cancelled or older than 24 h
  sheet           text,
  row_count       integer NOT NULL DEFAULT 0,
  column_mapping  jsonb NOT NULL DEFAULT '{}',   -- header → target field (null = custom field)
  classification  jsonb NOT NULL DEFAULT '{}',   -- detected entity type, per-column confidence, classifier used
  preview         jsonb NOT NULL DEFAULT '{}',
  strategy        text CHECK (strategy IN ('replace', 'merge', 'append')),
  counts          jsonb NOT NULL DEFAULT '{}',   -- inserted, updated, unchanged, skipped, errored, deleted
  warnings        jsonb NOT NULL DEFAULT '[]',
  progress        jsonb NOT NULL DEFAULT '{}',
  result          jsonb NOT NULL DEFAULT '{}',   -- stage transitions, missing records, relink counts
  error           text,
  created_by      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  confirmed_at    timestamptz,
  applied_at      timestamptz,
  rolled_back_at  timestamptz,
  cancelled_at    timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX import_batches_recent ON import_batches (workspace_id, created_at DESC);
SELECT pandora_enable_tenant_rls('import_batches');

-- Rows a batch changed: 'update' and 'delete' (rollback writes `previous`, the whole row as it was, back) and
-- 'insert' for links the association inference made. Rows the batch inserted need no entry: their created_at
-- equals the batch's applied_at (both are the apply transaction's now()). Captured in the apply transaction.
CREATE TABLE import_batch_changes (
  workspace_id  uuid NOT NULL,
  batch_id      uuid NOT NULL,
  entity_type   text NOT NULL,
  row_id        uuid NOT NULL,
  action        text NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
  previous      jsonb,
  PRIMARY KEY (workspace_id, batch_id, entity_type, row_id),
  FOREIGN KEY (workspace_id, batch_id) REFERENCES import_batches (workspace_id, id) ON DELETE CASCADE
);
SELECT pandora_enable_tenant_rls('import_batch_changes');

-- Company names compared without case, punctuation or legal suffixes ("ACME, Inc." = "Acme").
-- Must agree with companyKey() in src/connectors/file-import/account-index.ts.
CREATE FUNCTION pandora_company_key(name text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT nullif(btrim(regexp_replace(
    regexp_replace(
      regexp_replace(lower(coalesce(name, '')), '[^[:alnum:]]+', ' ', 'g'),
      '( (inc|incorporated|llc|llp|ltd|limited|gmbh|corp|corporation|co|company|plc|sa|ag|bv|nv|srl|sas|pty|oy|ab|as|kg))+ *$', '', 'g'),
    ' +', ' ', 'g')), '')
$$;

CREATE INDEX accounts_by_company_key ON accounts (workspace_id, pandora_company_key(name));
