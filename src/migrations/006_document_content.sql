-- Document text exported on demand from the source (Drive), cached like conversation transcripts.
ALTER TABLE documents
  ADD COLUMN content text,
  ADD COLUMN content_mime_type text,
  ADD COLUMN content_fetched_at timestamptz,
  ADD CONSTRAINT documents_content_status_check
    CHECK (content_status IN ('not_fetched', 'fetched', 'unavailable', 'unsupported', 'error'));
