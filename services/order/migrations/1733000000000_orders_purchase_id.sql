-- Up Migration
-- The frontend request that placed the order: a retry of that same request (after an attempt whose outcome was
-- unknown) finds the order it created and can answer 201, not 200 (DESIGN I9). Null for orders placed before.
ALTER TABLE orders ADD COLUMN purchase_id uuid;

-- Down Migration
ALTER TABLE orders DROP COLUMN purchase_id;
