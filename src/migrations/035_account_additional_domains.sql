-- A company's further web domains (HubSpot hs_additional_domains), lower-case: the linker matches
-- participants on any of an account's domains.
ALTER TABLE accounts ADD COLUMN additional_domains text[];
