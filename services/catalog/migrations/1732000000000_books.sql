-- Up Migration
-- Books and the reservations that purchases make against them. `version` grows with every write of a row;
-- caches use it to order what they hear (DESIGN.md I3).
CREATE TABLE books (
  id         bigint PRIMARY KEY CHECK (id > 0),
  title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  topic      text NOT NULL CHECK (length(topic) BETWEEN 1 AND 200),
  price      numeric(12, 2) NOT NULL CHECK (price > 0),
  quantity   integer NOT NULL CHECK (quantity >= 0),
  version    bigint NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX books_topic_id_idx ON books (lower(topic), id);

-- One row per order that took a copy: the order id makes a reservation idempotent (I5).
CREATE TABLE reservations (
  order_id     uuid PRIMARY KEY,
  book_id      bigint NOT NULL REFERENCES books (id),
  title        text NOT NULL,
  topic        text NOT NULL,
  price        numeric(12, 2) NOT NULL,
  book_version bigint NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reservations_book_id_idx ON reservations (book_id);

-- Down Migration
DROP TABLE reservations;
DROP TABLE books;
