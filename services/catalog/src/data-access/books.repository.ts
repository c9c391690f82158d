// SQL for books and reservations. Returns plain typed objects; knows nothing of HTTP.
import type { Queryable } from '@bazar/common';
import type { Book, BookChange, BookSummary, Reservation } from '../domain/book';

const bookColumns = 'id, title, topic, price, quantity, version';

interface ReservationRow {
  order_id: string;
  book_id: number;
  title: string;
  topic: string;
  price: number;
  book_version: number;
  created_at: Date;
}

const toReservation = (r: ReservationRow): Reservation => ({
  orderId: r.order_id,
  bookId: r.book_id,
  title: r.title,
  topic: r.topic,
  price: r.price,
  version: r.book_version,
  reservedAt: r.created_at.toISOString(),
});

export async function findBook(db: Queryable, id: number): Promise<Book | undefined> {
  const { rows } = await db.query<Book>(`SELECT ${bookColumns} FROM books WHERE id = $1`, [id]);
  return rows[0];
}

/** Keyset page of books, by id; `topic` compared case-insensitively (served by books_topic_id_idx). */
export async function listBooks(
  db: Queryable,
  q: { topic?: string; afterId: number; limit: number },
): Promise<BookSummary[]> {
  const { rows } = q.topic
    ? await db.query<BookSummary>(
        'SELECT id, title FROM books WHERE lower(topic) = lower($1) AND id > $2 ORDER BY lower(topic), id LIMIT $3',
        [q.topic, q.afterId, q.limit],
      )
    : await db.query<BookSummary>('SELECT id, title FROM books WHERE id > $1 ORDER BY id LIMIT $2', [
        q.afterId,
        q.limit,
      ]);
  return rows;
}

/** Applies a change; undefined when the book does not exist or a delta would take stock below zero. */
export async function updateBook(db: Queryable, id: number, c: BookChange): Promise<Book | undefined> {
  const { rows } = await db.query<Book>(
    `UPDATE books
        SET price = COALESCE($2, price),
            quantity = COALESCE($3, quantity + COALESCE($4, 0)),
            version = version + 1,
            updated_at = now()
      WHERE id = $1 AND ($4::integer IS NULL OR quantity + $4 >= 0)
      RETURNING ${bookColumns}`,
    [id, c.price ?? null, c.quantity ?? null, c.quantityDelta ?? null],
  );
  return rows[0];
}

export async function findReservation(db: Queryable, orderId: string): Promise<Reservation | undefined> {
  const { rows } = await db.query<ReservationRow>('SELECT * FROM reservations WHERE order_id = $1', [
    orderId,
  ]);
  return rows[0] ? toReservation(rows[0]) : undefined;
}

export type ReserveOutcome =
  | { kind: 'reserved'; reservation: Reservation }
  /** The order id holds a reservation already (made by a twin that committed first): roll back, replay it. */
  | { kind: 'duplicate' }
  | { kind: 'none_left' };

/**
 * Takes one copy for `orderId` and records the reservation in one statement, so the book's row lock is held for
 * as short a time as possible (it lasts until COMMIT, which waits for the standby).
 */
export async function reserveCopy(db: Queryable, bookId: number, orderId: string): Promise<ReserveOutcome> {
  const { rows } = await db.query<ReservationRow & { claimed: boolean }>(
    `WITH taken AS (
       UPDATE books SET quantity = quantity - 1, version = version + 1, updated_at = now()
        WHERE id = $2 AND quantity > 0
        RETURNING id, title, topic, price, version
     ), claimed AS (
       INSERT INTO reservations (order_id, book_id, title, topic, price, book_version)
       SELECT $1, id, title, topic, price, version FROM taken
       ON CONFLICT (order_id) DO NOTHING
       RETURNING *
     )
     SELECT claimed.*, claimed.order_id IS NOT NULL AS claimed FROM taken LEFT JOIN claimed ON true`,
    [orderId, bookId],
  );
  const row = rows[0];
  if (!row) return { kind: 'none_left' };
  return row.claimed ? { kind: 'reserved', reservation: toReservation(row) } : { kind: 'duplicate' };
}

/** Inserts books that are not there yet (by id); existing rows are left as they are. */
export async function insertMissingBooks(db: Queryable, books: Omit<Book, 'version'>[]): Promise<number> {
  const { rowCount } = await db.query(
    `INSERT INTO books (id, title, topic, price, quantity)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::numeric[], $5::integer[])
     ON CONFLICT (id) DO NOTHING`,
    [
      books.map((b) => b.id),
      books.map((b) => b.title),
      books.map((b) => b.topic),
      books.map((b) => b.price),
      books.map((b) => b.quantity),
    ],
  );
  return rowCount ?? 0;
}
