-- The conversations-without-deals summary from counts kept at write time (src/linker/cwd-summary.ts).
-- Scoring every call without a deal per request read 240k calls, their 240k facts rows and 714k open-deal
-- index entries at a million deals (1.8-2 s on a server). Now:
--   cwd_calls         one row per call without a deal: the inputs of the rules as bands (minutes; external
--                     participants and seniority capped at 3 from its facts row, kept with the domains that
--                     row was computed for; whether its account has an open deal) and its exact start;
--   cwd_band_counts   how many of those calls per UTC start day and band combination: the sum of cwd_calls.
-- Statement-level triggers on every input (conversations, conversation_call_facts, deals) collect the
-- calls a statement may have changed and hand them to cwd_refresh_calls, which recomputes their rows from
-- the tables as they are now and moves the difference into the counts. Because each refresh compares with
-- what cwd_calls holds rather than with the statement's old rows, the order in which triggers of nested
-- statements fire (foreign-key cascades, the facts forgotten below) cannot skew the counts.
CREATE TABLE cwd_calls (
  workspace_id           uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  conversation_id        uuid NOT NULL,
  account_id             uuid NOT NULL,
  started_at             timestamptz,
  minute_band            smallint NOT NULL,
  facts_domains          text[],            -- null: the call has no facts row
  external_participants  smallint NOT NULL, -- from the facts row, capped at 3; 0 without one
  seniority_rank         smallint NOT NULL,
  has_open_deals         boolean NOT NULL,
  PRIMARY KEY (workspace_id, conversation_id)
);
CREATE INDEX cwd_calls_by_account ON cwd_calls (workspace_id, account_id);
CREATE INDEX cwd_calls_by_start ON cwd_calls (workspace_id, started_at);
SELECT pandora_enable_tenant_rls('cwd_calls');

CREATE TABLE cwd_band_counts (
  workspace_id           uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  start_day              date NOT NULL,     -- UTC; 'infinity' for calls with no start
  minute_band            smallint NOT NULL,
  has_facts              boolean NOT NULL,
  facts_domains          text[] NOT NULL,   -- '{}' when has_facts is false
  external_participants  smallint NOT NULL,
  seniority_rank         smallint NOT NULL,
  has_open_deals         boolean NOT NULL,
  n                      bigint NOT NULL,
  PRIMARY KEY (workspace_id, start_day, minute_band, has_facts, facts_domains, external_participants,
               seniority_rank, has_open_deals)
);
SELECT pandora_enable_tenant_rls('cwd_band_counts');

-- Writers of one workspace refresh one after the other, each under a lock held to commit, so each sees
-- what the one before committed: without it a call inserted while a deal of its account opened in another
-- transaction kept has_open_deals false. Triggers take it before reading cwd_calls.
CREATE FUNCTION cwd_lock_workspaces(p_ws uuid[]) RETURNS void LANGUAGE sql AS $$
  SELECT pg_advisory_xact_lock(hashtextextended('cwd_calls:' || w::text, 0))
    FROM (SELECT DISTINCT w FROM unnest(p_ws) AS w ORDER BY w) AS ws;
$$;

-- The functions below run with nested loops and JIT off whatever their caller set (the linker sets both
-- off for its own statements, hash-join-plan.ts): every table is read by `= ANY(array)` index conditions
-- and the sets so read are joined by hash, so a statement that changed 100k calls costs a few index
-- scans, and one that changed one call costs one probe per table, statistics or not. A set may name a few
-- calls more than asked (an id of one workspace paired with another's): refreshing a call is idempotent.

-- The calls p_ids of the workspaces p_ws brought up to date, the difference moved into the counts.
CREATE FUNCTION cwd_refresh_calls(p_ws uuid[], p_ids uuid[]) RETURNS void LANGUAGE plpgsql
SET enable_nestloop = off SET jit = off AS $$
DECLARE
  wss uuid[];
BEGIN
  IF p_ids IS NULL OR cardinality(p_ids) = 0 THEN
    RETURN;
  END IF;
  -- A workspace being deleted takes its rows with it; writing for it would fail the foreign key.
  SELECT array_agg(DISTINCT w) INTO wss FROM unnest(p_ws) AS w WHERE w IN (SELECT id FROM workspaces);
  IF wss IS NULL THEN
    RETURN;
  END IF;
  PERFORM cwd_lock_workspaces(wss);
  WITH fresh AS (
    SELECT c.workspace_id, c.id AS conversation_id, c.account_id, c.started_at,
           -- The minute bands of cwd-summary.ts (MINUTE_BANDS).
           (CASE WHEN coalesce(c.duration_seconds, 0) >= 2700 THEN 45 WHEN coalesce(c.duration_seconds, 0) >= 1800 THEN 30
                 WHEN coalesce(c.duration_seconds, 0) >= 1200 THEN 20 WHEN coalesce(c.duration_seconds, 0) >= 900 THEN 15
                 ELSE 0 END)::smallint AS minute_band,
           f.domains AS facts_domains,
           least(coalesce(f.external_participants, 0), 3)::smallint AS external_participants,
           least(coalesce(f.top_seniority, 0), 3)::smallint AS seniority_rank,
           EXISTS (SELECT 1 FROM deals d
                    WHERE d.workspace_id = c.workspace_id AND d.account_id = c.account_id
                      AND NOT d.is_closed AND d.deleted_at IS NULL) AS has_open_deals
      FROM conversations c
      LEFT JOIN (SELECT * FROM conversation_call_facts
                  WHERE workspace_id = ANY(wss) AND conversation_id = ANY(p_ids)) AS f
             ON f.workspace_id = c.workspace_id AND f.conversation_id = c.id
     WHERE c.workspace_id = ANY(wss) AND c.id = ANY(p_ids)
       AND c.is_internal = FALSE AND c.account_id IS NOT NULL AND c.deal_id IS NULL
  ), kept AS (
    SELECT s.workspace_id, s.conversation_id, s.account_id, s.started_at, s.minute_band, s.facts_domains,
           s.external_participants, s.seniority_rank, s.has_open_deals
      FROM cwd_calls s
     WHERE s.workspace_id = ANY(wss) AND s.conversation_id = ANY(p_ids)
  ), added AS (
    SELECT * FROM fresh EXCEPT ALL SELECT * FROM kept
  ), removed AS (
    SELECT * FROM kept EXCEPT ALL SELECT * FROM fresh
  ), gone AS (
    SELECT workspace_id, conversation_id FROM removed EXCEPT SELECT workspace_id, conversation_id FROM added
  ), dropped AS (
    DELETE FROM cwd_calls s
     WHERE s.workspace_id = ANY(wss) AND s.conversation_id = ANY(ARRAY(SELECT conversation_id FROM gone))
       AND (s.workspace_id, s.conversation_id) IN (SELECT workspace_id, conversation_id FROM gone)
  ), put AS (
    INSERT INTO cwd_calls SELECT * FROM added
    ON CONFLICT (workspace_id, conversation_id) DO UPDATE
       SET account_id = EXCLUDED.account_id, started_at = EXCLUDED.started_at,
           minute_band = EXCLUDED.minute_band, facts_domains = EXCLUDED.facts_domains,
           external_participants = EXCLUDED.external_participants, seniority_rank = EXCLUDED.seniority_rank,
           has_open_deals = EXCLUDED.has_open_deals
  )
  INSERT INTO cwd_band_counts AS b (workspace_id, start_day, minute_band, has_facts, facts_domains,
                                    external_participants, seniority_rank, has_open_deals, n)
  SELECT workspace_id, coalesce((started_at AT TIME ZONE 'UTC')::date, 'infinity'::date), minute_band,
         facts_domains IS NOT NULL, coalesce(facts_domains, '{}'), external_participants, seniority_rank,
         has_open_deals, sum(n)
    FROM (SELECT *, 1 AS n FROM added UNION ALL SELECT *, -1 FROM removed) AS delta
   GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
  HAVING sum(n) <> 0
  -- In key order, so two writers of one workspace lock the same count rows in the same order.
   ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
  ON CONFLICT (workspace_id, start_day, minute_band, has_facts, facts_domains, external_participants,
               seniority_rank, has_open_deals) DO UPDATE SET n = b.n + EXCLUDED.n;
END
$$;

-- A writer that rewrites a known set of calls several times in one transaction (the linker: each tier's
-- UPDATE, then the calls' facts) sets pandora.cwd_refresh_deferred for it and refreshes that set once at
-- the end (src/linker/cwd-refresh.ts); these two triggers then skip their refresh. Deals' triggers never do.
CREATE FUNCTION cwd_conversations_changed() RETURNS trigger LANGUAGE plpgsql
SET enable_nestloop = off SET jit = off AS $$
DECLARE
  ws uuid[];
  ids uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(workspace_id), array_agg(id) INTO ws, ids FROM new_rows
     WHERE is_internal = FALSE AND account_id IS NOT NULL AND deal_id IS NULL;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(workspace_id), array_agg(id) INTO ws, ids FROM old_rows;
  ELSE
    -- Stored facts describe the participants they were computed from (migration 130).
    SELECT array_agg(n.workspace_id), array_agg(n.id) INTO ws, ids
      FROM new_rows n JOIN old_rows o ON o.workspace_id = n.workspace_id AND o.id = n.id
     WHERE o.participants IS DISTINCT FROM n.participants OR o.organizer_email IS DISTINCT FROM n.organizer_email;
    IF ids IS NOT NULL THEN
      DELETE FROM conversation_call_facts f
       WHERE f.workspace_id = ANY(ws) AND f.conversation_id = ANY(ids)
         AND (f.workspace_id, f.conversation_id) IN (SELECT * FROM unnest(ws, ids));
    END IF;
    SELECT array_agg(n.workspace_id), array_agg(n.id) INTO ws, ids
      FROM new_rows n JOIN old_rows o ON o.workspace_id = n.workspace_id AND o.id = n.id
     WHERE (o.is_internal, o.account_id, o.deal_id, o.started_at, o.duration_seconds)
           IS DISTINCT FROM (n.is_internal, n.account_id, n.deal_id, n.started_at, n.duration_seconds);
  END IF;
  IF current_setting('pandora.cwd_refresh_deferred', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM cwd_refresh_calls(ws, ids);
  RETURN NULL;
END
$$;

CREATE FUNCTION cwd_call_facts_changed() RETURNS trigger LANGUAGE plpgsql
SET enable_nestloop = off SET jit = off AS $$
DECLARE
  ws uuid[];
  ids uuid[];
BEGIN
  IF current_setting('pandora.cwd_refresh_deferred', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(workspace_id), array_agg(conversation_id) INTO ws, ids FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(workspace_id), array_agg(conversation_id) INTO ws, ids FROM old_rows;
  ELSE
    SELECT array_agg(n.workspace_id), array_agg(n.conversation_id) INTO ws, ids
      FROM new_rows n JOIN old_rows o ON o.workspace_id = n.workspace_id AND o.conversation_id = n.conversation_id
     WHERE (o.domains, least(o.external_participants, 3), least(o.top_seniority, 3))
           IS DISTINCT FROM (n.domains, least(n.external_participants, 3), least(n.top_seniority, 3));
  END IF;
  PERFORM cwd_refresh_calls(ws, ids);
  RETURN NULL;
END
$$;

-- A deal opening, closing, being deleted or moving account flips has_open_deals for its accounts' calls:
-- the calls of the accounts it was or is open at whose stored flag no longer holds.
CREATE FUNCTION cwd_refresh_accounts(p_ws uuid[], p_accounts uuid[]) RETURNS void LANGUAGE plpgsql
SET enable_nestloop = off SET jit = off AS $$
DECLARE
  ws uuid[];
  ids uuid[];
BEGIN
  IF p_accounts IS NULL OR cardinality(p_accounts) = 0 THEN
    RETURN;
  END IF;
  PERFORM cwd_lock_workspaces(p_ws);
  SELECT array_agg(s.workspace_id), array_agg(s.conversation_id) INTO ws, ids
    FROM cwd_calls s
   WHERE s.workspace_id = ANY(p_ws) AND s.account_id = ANY(p_accounts)
     AND s.has_open_deals IS DISTINCT FROM EXISTS (
           SELECT 1 FROM deals d
            WHERE d.workspace_id = s.workspace_id AND d.account_id = s.account_id
              AND NOT d.is_closed AND d.deleted_at IS NULL);
  PERFORM cwd_refresh_calls(ws, ids);
END
$$;

CREATE FUNCTION cwd_deals_changed() RETURNS trigger LANGUAGE plpgsql
SET enable_nestloop = off SET jit = off AS $$
DECLARE
  ws uuid[];
  accounts uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT workspace_id), array_agg(DISTINCT account_id) INTO ws, accounts FROM new_rows
     WHERE account_id IS NOT NULL AND NOT is_closed AND deleted_at IS NULL;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT workspace_id), array_agg(DISTINCT account_id) INTO ws, accounts FROM old_rows
     WHERE account_id IS NOT NULL AND NOT is_closed AND deleted_at IS NULL;
  ELSE
    -- Updates that leave the account and the open state alone (most of a sync's) touch nothing.
    SELECT array_agg(DISTINCT t.workspace_id), array_agg(DISTINCT t.account_id) INTO ws, accounts
      FROM new_rows n JOIN old_rows o ON o.workspace_id = n.workspace_id AND o.id = n.id
     CROSS JOIN LATERAL (VALUES (o.workspace_id, o.account_id, NOT o.is_closed AND o.deleted_at IS NULL),
                                (n.workspace_id, n.account_id, NOT n.is_closed AND n.deleted_at IS NULL))
                        AS t(workspace_id, account_id, open)
     WHERE (o.account_id, NOT o.is_closed AND o.deleted_at IS NULL)
           IS DISTINCT FROM (n.account_id, NOT n.is_closed AND n.deleted_at IS NULL)
       AND t.account_id IS NOT NULL AND t.open;
  END IF;
  PERFORM cwd_refresh_accounts(ws, accounts);
  RETURN NULL;
END
$$;

CREATE TRIGGER cwd_conversations_insert AFTER INSERT ON conversations
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cwd_conversations_changed();
CREATE TRIGGER cwd_conversations_update AFTER UPDATE ON conversations
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cwd_conversations_changed();
CREATE TRIGGER cwd_conversations_delete AFTER DELETE ON conversations
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION cwd_conversations_changed();
CREATE TRIGGER cwd_call_facts_insert AFTER INSERT ON conversation_call_facts
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cwd_call_facts_changed();
CREATE TRIGGER cwd_call_facts_update AFTER UPDATE ON conversation_call_facts
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cwd_call_facts_changed();
CREATE TRIGGER cwd_call_facts_delete AFTER DELETE ON conversation_call_facts
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION cwd_call_facts_changed();
CREATE TRIGGER cwd_deals_insert AFTER INSERT ON deals
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cwd_deals_changed();
CREATE TRIGGER cwd_deals_update AFTER UPDATE ON deals
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cwd_deals_changed();
CREATE TRIGGER cwd_deals_delete AFTER DELETE ON deals
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION cwd_deals_changed();

-- TRUNCATE fires no row or statement triggers above: rebuild from what is left.
CREATE FUNCTION cwd_rebuild() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ws uuid[];
  ids uuid[];
BEGIN
  DELETE FROM cwd_band_counts;
  DELETE FROM cwd_calls;
  SELECT array_agg(workspace_id), array_agg(id) INTO ws, ids FROM conversations
   WHERE is_internal = FALSE AND account_id IS NOT NULL AND deal_id IS NULL;
  PERFORM cwd_refresh_calls(ws, ids);
  RETURN NULL;
END
$$;
CREATE TRIGGER cwd_conversations_truncate AFTER TRUNCATE ON conversations
  FOR EACH STATEMENT EXECUTE FUNCTION cwd_rebuild();
CREATE TRIGGER cwd_call_facts_truncate AFTER TRUNCATE ON conversation_call_facts
  FOR EACH STATEMENT EXECUTE FUNCTION cwd_rebuild();
CREATE TRIGGER cwd_deals_truncate AFTER TRUNCATE ON deals
  FOR EACH STATEMENT EXECUTE FUNCTION cwd_rebuild();

-- The participants trigger of 130 forgot stored facts row by row; cwd_conversations_changed does it per
-- statement, before the counts read them.
DROP TRIGGER conversation_participants_forget_call_facts ON conversations;
DROP FUNCTION conversation_call_facts_forget();

-- Calls that exist before this migration.
SELECT cwd_refresh_calls(array_agg(workspace_id), array_agg(id)) FROM conversations
 WHERE is_internal = FALSE AND account_id IS NOT NULL AND deal_id IS NULL;
