-- Deal insights extracted from external conversations (src/insights). Rows are never rewritten: a new
-- extraction marks the rows it replaces is_current = false with superseded_by, so the history stays.
CREATE TABLE deal_insights (
  workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id                 uuid NOT NULL DEFAULT gen_random_uuid(),
  deal_id            uuid NOT NULL,
  conversation_id    uuid NOT NULL,
  insight_type       text NOT NULL CHECK (insight_type IN ('next_steps', 'objections', 'decision_criteria',
                       'timeline', 'stakeholders', 'risks', 'competitors', 'budget')),
  -- The normalised value (a date, a competitor, a person and role, an amount, a topic) and its identity
  -- within the deal and type, which decides what a later extraction supersedes.
  value              jsonb NOT NULL,
  value_key          text NOT NULL,
  quote              text NOT NULL CHECK (length(quote) BETWEEN 1 AND 2000),
  speaker            text,
  speaker_role       text NOT NULL CHECK (speaker_role IN ('buyer', 'seller', 'unknown')),
  segment_index      integer NOT NULL CHECK (segment_index >= 0),
  -- Character offset of the quote in the segment's text, and the segment's start in the recording.
  quote_offset       integer NOT NULL CHECK (quote_offset >= 0),
  start_seconds      double precision,
  confidence         real NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  extractor          text NOT NULL,
  extractor_version  text NOT NULL,
  prompt_version     text,
  transcript_hash    text NOT NULL,
  is_current         boolean NOT NULL DEFAULT true,
  superseded_by      uuid,
  superseded_at      timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, conversation_id) REFERENCES conversations (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, superseded_by) REFERENCES deal_insights (workspace_id, id)
    ON DELETE SET NULL (superseded_by)
);
CREATE INDEX deal_insights_current ON deal_insights (workspace_id, deal_id, insight_type) WHERE is_current;
CREATE INDEX deal_insights_history ON deal_insights (workspace_id, deal_id, insight_type, created_at DESC);
CREATE INDEX deal_insights_by_conversation ON deal_insights (workspace_id, conversation_id) WHERE is_current;
CREATE INDEX deal_insights_superseded_by ON deal_insights (workspace_id, superseded_by);
SELECT pandora_enable_tenant_rls('deal_insights');

-- One row per conversation: what was last extracted from it (the cache key is the transcript hash with
-- the extractor and its version), the outcome, and the tokens it cost.
CREATE TABLE insight_extractions (
  workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  conversation_id    uuid NOT NULL,
  deal_id            uuid,
  status             text NOT NULL CHECK (status IN ('extracted', 'failed', 'no_transcript')),
  transcript_hash    text,
  extractor          text NOT NULL,
  extractor_version  text NOT NULL,
  prompt_version     text,
  insights_written   integer NOT NULL DEFAULT 0,
  quotes_rejected    integer NOT NULL DEFAULT 0,
  input_tokens       integer NOT NULL DEFAULT 0,
  output_tokens      integer NOT NULL DEFAULT 0,
  error              text,
  extracted_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, conversation_id),
  FOREIGN KEY (workspace_id, conversation_id) REFERENCES conversations (workspace_id, id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, deal_id) REFERENCES deals (workspace_id, id) ON DELETE SET NULL (deal_id)
);
CREATE INDEX insight_extractions_by_deal ON insight_extractions (workspace_id, deal_id);
SELECT pandora_enable_tenant_rls('insight_extractions');

-- Extraction runs started over the API, the CLI or the post-sync chain: scope, progress, totals.
CREATE TABLE insight_runs (
  workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  id                 uuid NOT NULL DEFAULT gen_random_uuid(),
  scope              jsonb NOT NULL,
  trigger            text NOT NULL CHECK (trigger IN ('api', 'cli', 'post_sync')),
  status             text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  totals             jsonb NOT NULL DEFAULT '{}',
  error              text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  started_at         timestamptz,
  finished_at        timestamptz,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX insight_runs_recent ON insight_runs (workspace_id, created_at DESC);
SELECT pandora_enable_tenant_rls('insight_runs');
