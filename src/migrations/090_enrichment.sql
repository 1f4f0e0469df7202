-- ICP enrichment (src/enrichment): what Apollo says about a deal's contacts, company signals found by
-- search, versioned ICP profiles learned from won vs lost deals, and lead scores against a profile.

-- Contact enrichment lives on the deal's contact link: the role resolved for this deal and what Apollo
-- answered (cached with its fetch time, so a re-run within the TTL calls nothing).
ALTER TABLE deal_contacts
  ADD COLUMN buying_role           text,
  ADD COLUMN buying_role_source    text,
  ADD COLUMN apollo_data           jsonb,
  ADD COLUMN apollo_fetched_at     timestamptz,
  ADD COLUMN linkedin_data         jsonb,
  ADD COLUMN enrichment_status     text CHECK (enrichment_status IN
    ('pending', 'enriched', 'no_match', 'email_locked', 'not_configured', 'failed')),
  ADD COLUMN enriched_at           timestamptz,
  ADD COLUMN seniority             text,
  ADD COLUMN seniority_verified    boolean NOT NULL DEFAULT false,
  ADD COLUMN department            text,
  ADD COLUMN department_verified   boolean NOT NULL DEFAULT false,
  ADD COLUMN tenure_months         integer CHECK (tenure_months >= 0);
-- role_confidence already exists (numeric(3,2), 0..1) and now carries the resolved role's confidence.

CREATE TABLE account_signals (
  workspace_id   uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id             uuid NOT NULL DEFAULT gen_random_uuid(),
  account_id     uuid NOT NULL,
  signal_type    text NOT NULL CHECK (signal_type IN ('funding', 'hiring', 'expansion', 'leadership_change',
                   'acquisition', 'layoffs', 'product_launch', 'partnership', 'award', 'legal', 'other')),
  headline       text NOT NULL,
  snippet        text,
  source_url     text NOT NULL,
  -- Serper gives display text ("3 days ago", "Mar 3, 2024"): parsed when it can be, kept as sent always.
  published_at   date,
  published_text text,
  confidence     real NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  classifier     text NOT NULL,
  found_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, account_id, source_url),
  FOREIGN KEY (workspace_id, account_id) REFERENCES accounts (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX account_signals_by_type ON account_signals (workspace_id, signal_type, published_at DESC);
SELECT pandora_enable_tenant_rls('account_signals');

-- A profile is never rewritten: discovery writes the next version and moves the current flag to it.
CREATE TABLE icp_profiles (
  workspace_id         uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id                   uuid NOT NULL DEFAULT gen_random_uuid(),
  version              integer NOT NULL CHECK (version >= 1),
  firmographic_weights jsonb NOT NULL,
  personas             jsonb NOT NULL,
  committee_patterns   jsonb NOT NULL,
  features             jsonb NOT NULL,
  learned_from         jsonb NOT NULL,
  summary              text,
  summary_source       text,
  is_current           boolean NOT NULL DEFAULT true,
  created_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, version)
);
CREATE UNIQUE INDEX icp_profiles_one_current ON icp_profiles (workspace_id) WHERE is_current;
SELECT pandora_enable_tenant_rls('icp_profiles');

CREATE TABLE lead_scores (
  workspace_id    uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  entity_type     text NOT NULL CHECK (entity_type IN ('lead', 'contact', 'account')),
  entity_id       uuid NOT NULL,
  profile_id      uuid NOT NULL,
  profile_version integer NOT NULL,
  score           integer NOT NULL CHECK (score BETWEEN 0 AND 100),
  grade           text NOT NULL CHECK (grade IN ('A', 'B', 'C', 'D', 'F')),
  breakdown       jsonb NOT NULL,
  scored_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, entity_type, entity_id, profile_version),
  FOREIGN KEY (workspace_id, profile_id) REFERENCES icp_profiles (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX lead_scores_by_score ON lead_scores (workspace_id, profile_version, entity_type, score DESC, entity_id);
CREATE INDEX lead_scores_profile ON lead_scores (workspace_id, profile_id);
SELECT pandora_enable_tenant_rls('lead_scores');

-- Enrichment runs (one deal or a batch), each step recorded as it finishes.
CREATE TABLE enrichment_runs (
  workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  scope         jsonb NOT NULL,
  trigger       text NOT NULL CHECK (trigger IN ('api', 'cli', 'post_sync')),
  status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  steps         jsonb NOT NULL DEFAULT '[]',
  totals        jsonb NOT NULL DEFAULT '{}',
  error         text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  finished_at   timestamptz,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX enrichment_runs_recent ON enrichment_runs (workspace_id, created_at DESC);
SELECT pandora_enable_tenant_rls('enrichment_runs');

-- Which closed deals were enriched, and when: the post-sync step enriches a deal once per close.
CREATE TABLE deal_enrichments (
  workspace_id   uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  deal_id        uuid NOT NULL,
  run_id         uuid,
  outcome        text NOT NULL CHECK (outcome IN ('won', 'lost')),
  features       jsonb NOT NULL DEFAULT '{}',
  enriched_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, deal_id),
  FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, run_id) REFERENCES enrichment_runs (workspace_id, id) ON DELETE SET NULL (run_id)
);
CREATE INDEX deal_enrichments_run ON deal_enrichments (workspace_id, run_id);
SELECT pandora_enable_tenant_rls('deal_enrichments');
