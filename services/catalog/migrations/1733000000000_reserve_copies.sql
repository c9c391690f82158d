-- Up Migration
-- Reservations of one book in one statement, for a batch of orders waiting together (DESIGN I1, I5): the row is
-- locked once, the first k fresh orders get the k copies left, the rest none; an order id reserved before (here or
-- for another book) is returned as it was and takes nothing. One version bump for the whole batch.
CREATE FUNCTION reserve_copies(p_book_id bigint, p_order_ids uuid[])
RETURNS TABLE (
  order_id uuid,
  outcome text,          -- reserved | existing | sold_out | no_book
  book_id bigint,
  title text,
  topic text,
  price numeric,
  book_version bigint,
  created_at timestamptz,
  quantity_left integer,  -- the book after the batch (null: no such book)
  book_topic text,
  current_version bigint
)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  b books%ROWTYPE;
  fresh uuid[];
  granted uuid[];
  inserted uuid[] := '{}';
BEGIN
  SELECT * INTO b FROM books WHERE id = p_book_id FOR UPDATE;
  IF FOUND THEN
    SELECT coalesce(array_agg(u.o ORDER BY u.n), '{}') INTO fresh
      FROM unnest(p_order_ids) WITH ORDINALITY AS u(o, n)
     WHERE NOT EXISTS (SELECT 1 FROM reservations r WHERE r.order_id = u.o);
    granted := fresh[1:LEAST(b.quantity, cardinality(fresh))];
    IF cardinality(granted) > 0 THEN
      UPDATE books SET quantity = quantity - cardinality(granted), version = version + 1, updated_at = now()
       WHERE id = p_book_id RETURNING * INTO b;
      -- A twin of one of these orders for another book may have committed meanwhile: it keeps its reservation.
      WITH ins AS (
        INSERT INTO reservations (order_id, book_id, title, topic, price, book_version)
        SELECT g, b.id, b.title, b.topic, b.price, b.version FROM unnest(granted) AS g
        ON CONFLICT (order_id) DO NOTHING
        RETURNING order_id
      )
      SELECT coalesce(array_agg(order_id), '{}') INTO inserted FROM ins;
      IF cardinality(inserted) < cardinality(granted) THEN
        UPDATE books SET quantity = quantity + (cardinality(granted) - cardinality(inserted))
         WHERE id = p_book_id RETURNING * INTO b;
      END IF;
    END IF;
  END IF;
  RETURN QUERY
    SELECT u.o,
           CASE WHEN u.o = ANY (inserted) THEN 'reserved'
                WHEN r.order_id IS NOT NULL THEN 'existing'
                WHEN b.id IS NULL THEN 'no_book'
                ELSE 'sold_out' END,
           r.book_id, r.title, r.topic, r.price, r.book_version, r.created_at, b.quantity, b.topic, b.version
      FROM unnest(p_order_ids) AS u(o)
      LEFT JOIN reservations r ON r.order_id = u.o;
END
$$;

-- Down Migration
DROP FUNCTION reserve_copies(bigint, uuid[]);
