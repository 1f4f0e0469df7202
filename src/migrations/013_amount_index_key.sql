-- Amount filters and amount-ordered keyset pages read a bigint twin of deals.amount (hundredths of the
-- deal's currency unit). PostgreSQL's numeric comparison functions are not LEAKPROOF, so under the
-- row-level security policy `amount >= $1` could not be an index condition: on 1M deals a quarter's
-- big-deals page took 0.5 ms as the owner and 94 ms as pandora_app. int8 comparisons are leakproof.
-- amount is numeric(18, 2), so × 100 is exact and always fits a bigint.
ALTER TABLE deals ADD COLUMN amount_hundredths bigint GENERATED ALWAYS AS ((amount * 100)::bigint) STORED;

DROP INDEX deals_by_amount;
DROP INDEX deals_by_owner_amount;
CREATE INDEX deals_by_amount ON deals (workspace_id, amount_hundredths, id);
CREATE INDEX deals_by_owner_amount ON deals (workspace_id, owner_email, amount_hundredths, id);
