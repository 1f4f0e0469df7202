-- Contacts by address under row-level security. contacts_by_email indexes lower(email), but lower() is
-- not LEAKPROOF, so a tenant-scoped query cannot use it as an index condition and scans the workspace's
-- contacts instead (conversations-without-deals probed them once per participant: 0.7 s for a page at
-- 2,000 deals). The lowered address as a stored column compares with texteq, which is LEAKPROOF.
ALTER TABLE contacts ADD COLUMN email_key text GENERATED ALWAYS AS (lower(email)) STORED;
CREATE INDEX contacts_by_email_key ON contacts (workspace_id, email_key) WHERE email_key IS NOT NULL;
