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

export type ReserveOutcome = { kind: 'reserved'; reservation: Reservation } | { kind: 'none_left' };

/**
 * Takes one copy for `orderId` and records the reservation in one statement, which the caller may run on its own
 * (autocommit) so the book's row lock lasts only for the statement and its commit. An order id that holds a
 * reservation already makes the whole statement fail with a unique violation (SQLSTATE 23505): nothing is taken.
 */
export async function reserveCopy(db: Queryable, bookId: number, orderId: string): Promise<ReserveOutcome> {
  const { rows } = await db.query<ReservationRow>(
    `WITH taken AS (
       UPDATE books SET quantity = quantity - 1, version = version + 1, updated_at = now()
        WHERE id = $2 AND quantity > 0
        RETURNING id, title, topic, price, version
     )
     INSERT INTO reservations (order_id, book_id, title, topic, price, book_version)
     SELECT $1, id, title, topic, price, version FROM taken
     RETURNING *`,
    [orderId, bookId],
  );
  return rows[0] ? { kind: 'reserved', reservation: toReservation(rows[0]) } : { kind: 'none_left' };
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
