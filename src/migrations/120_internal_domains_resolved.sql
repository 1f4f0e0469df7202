-- The internal domains as last resolved (src/linker/internal-domains.ts), one row per workspace: read by
-- conversations-without-deals on every request instead of resolving again (owner inference scans the
-- owner e-mails of deals, accounts and contacts). Each linker run writes it; a write to what the explicit
-- sources read (the context layer's definitions, a connection's metadata) deletes it, and the next reader
-- resolves and stores it again. Owner inference follows the CRM rows a linker run later: every source
-- writing deals, accounts or contacts runs the linker in its post-sync chain.
CREATE TABLE internal_domains_resolved (
  workspace_id  uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  domains       text[] NOT NULL,
  decided_by    text,
  resolved_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id)
);
SELECT pandora_enable_tenant_rls('internal_domains_resolved');

CREATE FUNCTION internal_domains_resolved_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM internal_domains_resolved WHERE workspace_id = OLD.workspace_id;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    DELETE FROM internal_domains_resolved WHERE workspace_id = NEW.workspace_id;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER context_layer_forgets_internal_domains AFTER INSERT OR DELETE ON context_layer
  FOR EACH ROW EXECUTE FUNCTION internal_domains_resolved_forget();
CREATE TRIGGER context_layer_definitions_forget_internal_domains AFTER UPDATE ON context_layer
  FOR EACH ROW WHEN (OLD.definitions IS DISTINCT FROM NEW.definitions)
  EXECUTE FUNCTION internal_domains_resolved_forget();
CREATE TRIGGER connections_forget_internal_domains AFTER INSERT OR DELETE ON connections
  FOR EACH ROW EXECUTE FUNCTION internal_domains_resolved_forget();
CREATE TRIGGER connections_metadata_forget_internal_domains AFTER UPDATE ON connections
  FOR EACH ROW WHEN (OLD.metadata IS DISTINCT FROM NEW.metadata OR OLD.connector_name <> NEW.connector_name)
  EXECUTE FUNCTION internal_domains_resolved_forget();
