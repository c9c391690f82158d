-- Up Migration
-- One row per successful purchase; the id is the purchase's idempotency key, so a retry cannot add a second (I5).
CREATE TABLE orders (
  id         uuid PRIMARY KEY,
  seq        bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  book_id    bigint NOT NULL,
  title      text NOT NULL,
  price      numeric(12, 2) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE orders;
