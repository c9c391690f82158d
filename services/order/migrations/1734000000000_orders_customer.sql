-- Up Migration
-- The shopper who placed the order (the frontend's customer session). Their history is listed by it, and nobody
-- else's order is shown to them. Null for orders placed before, and for orders the reconciler recorded for a buyer
-- whose answer was lost, until that buyer's retry claims it (the order id is derived from the customer and their
-- Idempotency-Key, so only they can name it).
ALTER TABLE orders ADD COLUMN customer_id uuid;
CREATE INDEX orders_customer_seq ON orders (customer_id, seq);

-- Down Migration
DROP INDEX orders_customer_seq;
ALTER TABLE orders DROP COLUMN customer_id;
