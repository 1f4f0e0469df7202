-- The request budget of one upstream account for the whole deployment (every process draws from it).
-- Not a tenant table: the key is a hash of the connector, the API origin and the credential, so two
-- workspaces connecting the same account share that account's limit. `booked_until` is the time up to
-- which request slots are handed out (GCRA's theoretical arrival time); it holds no tenant data.
CREATE TABLE upstream_request_budgets (
  budget_key text PRIMARY KEY,
  booked_until timestamptz NOT NULL
);
