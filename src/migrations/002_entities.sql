-- The eight core entities plus leads, deal_contacts and deal_stage_history.
-- Every entity row keeps the raw record in source_data and is unique on (workspace_id, source, source_id).
-- Foreign keys are composite (workspace_id, x_id) so a row can never point into another workspace;
-- ON DELETE SET NULL (x_id) clears only the reference, never workspace_id (PostgreSQL 15+).

CREATE TABLE accounts (
  workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id                 uuid NOT NULL DEFAULT gen_random_uuid(),
  source             text NOT NULL,
  source_id          text NOT NULL,
  source_data        jsonb NOT NULL DEFAULT '{}',
  custom_fields      jsonb NOT NULL DEFAULT '{}',
  name               text,
  domain             text,
  industry           text,
  employee_count     integer,
  annual_revenue     numeric(18, 2),
  city               text,
  country            text,
  owner_email        text,
  source_created_at  timestamptz,
  source_updated_at  timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, source, source_id)
);
CREATE INDEX accounts_by_domain ON accounts (workspace_id, lower(domain));

CREATE TABLE contacts (
  workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id                 uuid NOT NULL DEFAULT gen_random_uuid(),
  source             text NOT NULL,
  source_id          text NOT NULL,
  source_data        jsonb NOT NULL DEFAULT '{}',
  custom_fields      jsonb NOT NULL DEFAULT '{}',
  first_name         text,
  last_name          text,
  email              text,
  phone              text,
  title              text,
  seniority          text,   -- c_level, vp, director, manager, individual_contributor, unknown
  department         text,
  lifecycle_stage    text,
  owner_email        text,
  account_id         uuid,
  source_created_at  timestamptz,
  source_updated_at  timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, source, source_id),
  FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE SET NULL (account_id)
);
CREATE INDEX contacts_by_email ON contacts (workspace_id, lower(email));
CREATE INDEX contacts_by_account ON contacts (workspace_id, account_id);

CREATE TABLE deals (
  workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id                 uuid NOT NULL DEFAULT gen_random_uuid(),
  source             text NOT NULL,
  source_id          text NOT NULL,
  source_data        jsonb NOT NULL DEFAULT '{}',
  custom_fields      jsonb NOT NULL DEFAULT '{}',
  name               text,
  amount             numeric(18, 2),
  currency           text,
  pipeline           text,
  stage              text,            -- the raw stage as the source names it
  stage_normalized   text CHECK (stage_normalized IN ('awareness', 'qualification', 'evaluation', 'decision',
                                                      'negotiation', 'closed_won', 'closed_lost')),
  probability        numeric(5, 2) CHECK (probability BETWEEN 0 AND 100),
  forecast_category  text,            -- commit, best_case, pipeline, omitted, closed
  close_date         date,
  is_closed          boolean NOT NULL DEFAULT false,
  is_won             boolean NOT NULL DEFAULT false,
  owner_email        text,
  account_id         uuid,
  next_step          text,
  lead_source        text,
  deal_type          text,
  stage_entered_at   timestamptz,
  closed_at          timestamptz,
  source_created_at  timestamptz,
  source_updated_at  timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, source, source_id),
  FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE SET NULL (account_id)
);
CREATE INDEX deals_by_account ON deals (workspace_id, account_id);

CREATE TABLE deal_contacts (
  workspace_id     uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id               uuid NOT NULL DEFAULT gen_random_uuid(),
  deal_id          uuid NOT NULL,
  contact_id       uuid NOT NULL,
  source           text NOT NULL,      -- hubspot_association, salesforce_contact_role, file_import, inferred, …
  role             text,               -- decision_maker, champion, economic_buyer, influencer, user, …
  role_source      text,               -- crm_association, crm_role, inferred, manual
  role_confidence  numeric(3, 2) CHECK (role_confidence BETWEEN 0 AND 1),
  is_primary       boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, deal_id, contact_id, source),
  FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX deal_contacts_by_contact ON deal_contacts (workspace_id, contact_id);

CREATE TABLE deal_stage_history (
  workspace_id           uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id                     uuid NOT NULL DEFAULT gen_random_uuid(),
  deal_id                uuid NOT NULL,
  from_stage             text,
  to_stage               text NOT NULL,
  from_stage_normalized  text,
  to_stage_normalized    text,
  changed_at             timestamptz NOT NULL,
  source                 text NOT NULL,   -- hubspot, salesforce_history, sync_diff, file_import_diff, …
  import_batch_id        uuid,
  created_at             timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  -- The same transition seen twice (a re-run sync) is one row.
  UNIQUE (workspace_id, deal_id, changed_at, to_stage),
  FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) ON DELETE CASCADE
);

CREATE TABLE activities (
  workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id                 uuid NOT NULL DEFAULT gen_random_uuid(),
  source             text NOT NULL,
  source_id          text NOT NULL,
  source_data        jsonb NOT NULL DEFAULT '{}',
  custom_fields      jsonb NOT NULL DEFAULT '{}',
  activity_type      text NOT NULL CHECK (activity_type IN ('email', 'meeting', 'note', 'other')),
  subject            text,
  body               text,
  direction          text,            -- inbound, outbound
  occurred_at        timestamptz,
  owner_email        text,
  contact_id         uuid,
  account_id         uuid,
  deal_id            uuid,
  source_created_at  timestamptz,
  source_updated_at  timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, source, source_id),
  FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id) ON DELETE SET NULL (contact_id),
  FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE SET NULL (account_id),
  FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) ON DELETE SET NULL (deal_id)
);
CREATE INDEX activities_by_deal ON activities (workspace_id, deal_id, occurred_at DESC);

CREATE TABLE calls (
  workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id                 uuid NOT NULL DEFAULT gen_random_uuid(),
  source             text NOT NULL,
  source_id          text NOT NULL,
  source_data        jsonb NOT NULL DEFAULT '{}',
  custom_fields      jsonb NOT NULL DEFAULT '{}',
  title              text,
  direction          text,
  disposition        text,
  duration_seconds   integer CHECK (duration_seconds >= 0),
  occurred_at        timestamptz,
  from_number        text,
  to_number          text,
  recording_url      text,
  owner_email        text,
  contact_id         uuid,
  account_id         uuid,
  deal_id            uuid,
  source_created_at  timestamptz,
  source_updated_at  timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, source, source_id),
  FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id) ON DELETE SET NULL (contact_id),
  FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE SET NULL (account_id),
  FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) ON DELETE SET NULL (deal_id)
);
CREATE INDEX calls_by_deal ON calls (workspace_id, deal_id, occurred_at DESC);

-- Recorded meetings (Gong, Fireflies). participants: [{name, email, affiliation: internal|external|unknown,
-- speaker_id, user_id}]. crm_context: the CRM ids the recorder itself reports.
CREATE TABLE conversations (
  workspace_id                    uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id                              uuid NOT NULL DEFAULT gen_random_uuid(),
  source                          text NOT NULL,
  source_id                       text NOT NULL,
  source_data                     jsonb NOT NULL DEFAULT '{}',
  custom_fields                   jsonb NOT NULL DEFAULT '{}',
  title                           text,
  started_at                      timestamptz,
  duration_seconds                integer CHECK (duration_seconds >= 0),
  organizer_email                 text,
  participants                    jsonb NOT NULL DEFAULT '[]',
  source_url                      text,
  crm_context                     jsonb NOT NULL DEFAULT '{}',
  topics                          jsonb NOT NULL DEFAULT '[]',
  summary                         text,
  action_items                    jsonb NOT NULL DEFAULT '[]',
  is_tracked                      boolean NOT NULL DEFAULT true,
  is_internal                     boolean,
  internal_classification_reason  text,
  contact_id                      uuid,
  account_id                      uuid,
  deal_id                         uuid,
  link_method                     text CHECK (link_method IN ('email_match', 'domain_match', 'crm_native_id',
                                                              'single_deal_inference', 'manual')),
  transcript_status               text NOT NULL DEFAULT 'not_fetched'
                                  CHECK (transcript_status IN ('not_fetched', 'fetched', 'unavailable', 'error')),
  transcript                      jsonb,
  transcript_fetched_at           timestamptz,
  source_created_at               timestamptz,
  source_updated_at               timestamptz,
  created_at                      timestamptz NOT NULL DEFAULT now(),
  updated_at                      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, source, source_id),
  FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id) ON DELETE SET NULL (contact_id),
  FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE SET NULL (account_id),
  FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) ON DELETE SET NULL (deal_id)
);
CREATE INDEX conversations_by_deal ON conversations (workspace_id, deal_id, started_at DESC);
CREATE INDEX conversations_by_account ON conversations (workspace_id, account_id, started_at DESC);

CREATE TABLE tasks (
  workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id                 uuid NOT NULL DEFAULT gen_random_uuid(),
  source             text NOT NULL,
  source_id          text NOT NULL,
  source_data        jsonb NOT NULL DEFAULT '{}',
  custom_fields      jsonb NOT NULL DEFAULT '{}',
  title              text,
  body               text,
  status             text,
  priority           text,
  task_type          text,
  due_date           date,
  completed_at       timestamptz,
  is_completed       boolean NOT NULL DEFAULT false,
  owner_email        text,
  board              text,   -- Monday board or CRM queue
  group_name         text,
  contact_id         uuid,
  account_id         uuid,
  deal_id            uuid,
  source_created_at  timestamptz,
  source_updated_at  timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, source, source_id),
  FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id) ON DELETE SET NULL (contact_id),
  FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE SET NULL (account_id),
  FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) ON DELETE SET NULL (deal_id)
);
CREATE INDEX tasks_by_deal ON tasks (workspace_id, deal_id);

CREATE TABLE documents (
  workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id                 uuid NOT NULL DEFAULT gen_random_uuid(),
  source             text NOT NULL,
  source_id          text NOT NULL,
  source_data        jsonb NOT NULL DEFAULT '{}',
  custom_fields      jsonb NOT NULL DEFAULT '{}',
  name               text,
  mime_type          text,
  web_url            text,
  owner_email        text,
  owners             jsonb NOT NULL DEFAULT '[]',
  folder_path        text,
  modified_at        timestamptz,
  content_status     text NOT NULL DEFAULT 'not_fetched',
  account_id         uuid,
  deal_id            uuid,
  source_created_at  timestamptz,
  source_updated_at  timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, source, source_id),
  FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE SET NULL (account_id),
  FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) ON DELETE SET NULL (deal_id)
);

CREATE TABLE leads (
  workspace_id          uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id                    uuid NOT NULL DEFAULT gen_random_uuid(),
  source                text NOT NULL,
  source_id             text NOT NULL,
  source_data           jsonb NOT NULL DEFAULT '{}',
  custom_fields         jsonb NOT NULL DEFAULT '{}',
  first_name            text,
  last_name             text,
  email                 text,
  phone                 text,
  title                 text,
  company               text,
  status                text,
  lead_source           text,
  owner_email           text,
  is_converted          boolean NOT NULL DEFAULT false,
  converted_at          timestamptz,
  converted_contact_id  uuid,
  converted_account_id  uuid,
  converted_deal_id     uuid,
  source_created_at     timestamptz,
  source_updated_at     timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, source, source_id),
  FOREIGN KEY (workspace_id, converted_contact_id) REFERENCES contacts (workspace_id, id) ON DELETE SET NULL (converted_contact_id),
  FOREIGN KEY (workspace_id, converted_account_id) REFERENCES accounts (workspace_id, id) ON DELETE SET NULL (converted_account_id),
  FOREIGN KEY (workspace_id, converted_deal_id) REFERENCES deals (workspace_id, id) ON DELETE SET NULL (converted_deal_id)
);
