-- Lead scores in entity lists: the current profile's score and grade of each lead, contact and account,
-- copied beside the row when scoring writes lead_scores (whose rows keep every version's breakdown), so
-- lists filter (icp_score_min/_max, icp_grade) and sort by score with keyset pages over one index each.
-- smallint comparisons are LEAKPROOF: under row-level security a bound on icp_score is an index condition.
ALTER TABLE leads
  ADD COLUMN icp_score smallint CHECK (icp_score BETWEEN 0 AND 100),
  ADD COLUMN icp_grade text CHECK (icp_grade IN ('A', 'B', 'C', 'D', 'F'));
ALTER TABLE contacts
  ADD COLUMN icp_score smallint CHECK (icp_score BETWEEN 0 AND 100),
  ADD COLUMN icp_grade text CHECK (icp_grade IN ('A', 'B', 'C', 'D', 'F'));
ALTER TABLE accounts
  ADD COLUMN icp_score smallint CHECK (icp_score BETWEEN 0 AND 100),
  ADD COLUMN icp_grade text CHECK (icp_grade IN ('A', 'B', 'C', 'D', 'F'));

CREATE INDEX leads_by_icp_score ON leads (workspace_id, icp_score, id);
CREATE INDEX contacts_by_icp_score ON contacts (workspace_id, icp_score, id);
CREATE INDEX accounts_by_icp_score ON accounts (workspace_id, icp_score, id);
