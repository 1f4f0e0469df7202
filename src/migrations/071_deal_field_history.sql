-- Close-date and amount changes of deals as the source recorded them (HubSpot property history,
-- Salesforce OpportunityFieldHistory): close-date slips and amount changes are real from the first sync.
-- Values are kept as the source's text (a date or a number) beside the field they belong to.
CREATE TABLE deal_field_history (
  workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  deal_id       uuid NOT NULL,
  field         text NOT NULL CHECK (field IN ('close_date', 'amount')),
  old_value     text,
  new_value     text,
  changed_at    timestamptz NOT NULL,
  source        text NOT NULL,   -- hubspot_history, salesforce_field_history
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  -- The same change read twice (a re-run sync) is one row.
  UNIQUE (workspace_id, deal_id, field, changed_at),
  FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) ON DELETE CASCADE
);
SELECT pandora_enable_tenant_rls('deal_field_history');
