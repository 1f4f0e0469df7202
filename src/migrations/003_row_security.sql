-- Row-level security: the second wall behind every query's explicit workspace filter.
-- Scoped work runs as pandora_app (never owner, never BYPASSRLS) with app.workspace_id set per
-- transaction. With no workspace set the policies see nothing.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pandora_app') THEN
    CREATE ROLE pandora_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
EXCEPTION
  -- Roles are cluster-wide: another database of the cluster may create it at the same moment.
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

-- A non-superuser owner needs membership to SET ROLE; a superuser has it implicitly.
DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT pandora_app TO %I', current_user);
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO pandora_app;

-- Later migrations call this for each tenant table they add.
CREATE FUNCTION pandora_enable_tenant_rls(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
  -- The sub-select makes the planner evaluate the setting once per query, not once per row.
  EXECUTE format(
    'CREATE POLICY tenant_isolation ON %s USING (workspace_id = (SELECT nullif(current_setting(''app.workspace_id'', true), '''')::uuid)) '
    'WITH CHECK (workspace_id = (SELECT nullif(current_setting(''app.workspace_id'', true), '''')::uuid))', tbl);
  -- System work (migrations, scheduler, admin) runs as the owning login role, which FORCE would
  -- otherwise shut out when it is not a superuser. Scoped work switches to pandora_app, where only
  -- tenant_isolation applies.
  EXECUTE format('CREATE POLICY system_access ON %s TO %I USING (true) WITH CHECK (true)', tbl, current_user);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO pandora_app', tbl);
END
$$;

SELECT pandora_enable_tenant_rls(c.oid)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
WHERE c.relkind = 'r'
  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'workspace_id' AND NOT a.attisdropped);

-- Workspaces are keyed by id: a scoped transaction sees its own workspace row only.
ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspaces FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON workspaces
  USING (id = (SELECT nullif(current_setting('app.workspace_id', true), '')::uuid));
DO $$ BEGIN
  EXECUTE format('CREATE POLICY system_access ON workspaces TO %I USING (true) WITH CHECK (true)', current_user);
END $$;
GRANT SELECT, UPDATE ON workspaces TO pandora_app;
