-- Indexes for the list and aggregate queries of src/entities: each btree matches a filter + sort key
-- of a keyset page (workspace_id, [equality filter,] sort column, id), chosen with EXPLAIN on a 1M-deal
-- workspace (bench/query). Every index slows the bulk upsert, so only the shapes the API serves are here.

-- Default list order (-updated_at or the entity's own time column) of the large tables.
CREATE INDEX deals_by_updated ON deals (workspace_id, updated_at, id);
CREATE INDEX deals_by_close_date ON deals (workspace_id, close_date, id);
CREATE INDEX deals_by_amount ON deals (workspace_id, amount, id);
CREATE INDEX deals_by_stage_close_date ON deals (workspace_id, stage_normalized, close_date, id);
CREATE INDEX deals_by_owner_amount ON deals (workspace_id, owner_email, amount, id);
CREATE INDEX accounts_by_updated ON accounts (workspace_id, updated_at, id);
CREATE INDEX contacts_by_updated ON contacts (workspace_id, updated_at, id);
CREATE INDEX activities_by_occurred ON activities (workspace_id, occurred_at, id);
CREATE INDEX calls_by_occurred ON calls (workspace_id, occurred_at, id);
CREATE INDEX conversations_by_started ON conversations (workspace_id, started_at, id);

-- Trigram indexes for `q=` search, where the extensions exist (PostgreSQL contrib; PGlite loads them in
-- its driver). btree_gin lets workspace_id lead the GIN index like every other index. Without the
-- extensions search still works, as a filtered scan. The indexed expressions are exactly those that
-- searchExpression() in src/db/list-query.ts builds for each entity's search columns.
DO $$
BEGIN
  BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE EXTENSION IF NOT EXISTS btree_gin;
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm/btree_gin unavailable (%): text search runs without trigram indexes', SQLERRM;
  END;
  IF (SELECT count(*) FROM pg_extension WHERE extname IN ('pg_trgm', 'btree_gin')) = 2 THEN
    CREATE INDEX deals_name_trgm ON deals USING gin (workspace_id, name gin_trgm_ops);
    CREATE INDEX accounts_search_trgm ON accounts
      USING gin (workspace_id, (coalesce(name, '') || ' ' || coalesce(domain, '')) gin_trgm_ops);
    CREATE INDEX contacts_search_trgm ON contacts
      USING gin (workspace_id, (coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, '')) gin_trgm_ops);
  END IF;
END
$$;
