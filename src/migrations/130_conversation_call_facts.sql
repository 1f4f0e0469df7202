-- What conversations-without-deals scores each call on that comes from its participants: the rep, the
-- external participants counted per known contact, and the most senior of them (src/linker/call-facts.ts).
-- Probing contacts for every participant of every unlinked call on each request cost seconds at 100k
-- deals; each linker run stores the answer for the calls it leaves without a deal. A row is used only
-- while it was computed with the workspace's current internal domains (`domains`) and the call's
-- participants are unchanged (the trigger below forgets it); otherwise the reader computes the facts as
-- before. Contacts changed since the run are seen at the next one: every writer of contacts runs the
-- linker in its post-sync chain.
CREATE TABLE conversation_call_facts (
  workspace_id           uuid NOT NULL,
  conversation_id        uuid NOT NULL,
  domains                text[] NOT NULL,
  rep_email              text,
  external_participants  integer NOT NULL,
  top_seniority          smallint NOT NULL,
  computed_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, conversation_id),
  FOREIGN KEY (workspace_id, conversation_id) REFERENCES conversations (workspace_id, id) ON DELETE CASCADE
);
SELECT pandora_enable_tenant_rls('conversation_call_facts');

CREATE FUNCTION conversation_call_facts_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM conversation_call_facts WHERE workspace_id = NEW.workspace_id AND conversation_id = NEW.id;
  RETURN NULL;
END
$$;

CREATE TRIGGER conversation_participants_forget_call_facts AFTER UPDATE ON conversations
  FOR EACH ROW WHEN (OLD.participants IS DISTINCT FROM NEW.participants
                     OR OLD.organizer_email IS DISTINCT FROM NEW.organizer_email)
  EXECUTE FUNCTION conversation_call_facts_forget();
