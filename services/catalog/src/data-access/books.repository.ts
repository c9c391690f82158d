// SQL for books and reservations. Returns plain typed objects; knows nothing of HTTP.
import { maxStock, type Queryable } from '@bazar/common';
import type { Book, BookChange, BookSummary, CopyOutcome, Reservation } from '../domain/book';

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

/** Applies a change; undefined when the book does not exist or a delta would take stock out of 0..maxStock. */
export async function updateBook(db: Queryable, id: number, c: BookChange): Promise<Book | undefined> {
  const { rows } = await db.query<Book>(
    `UPDATE books
        SET price = COALESCE($2, price),
            quantity = COALESCE($3, quantity + COALESCE($4, 0)),
            version = version + 1,
            updated_at = now()
      WHERE id = $1 AND ($4::integer IS NULL OR quantity::bigint + $4 BETWEEN 0 AND $5)
      RETURNING ${bookColumns}`,
    [id, c.price ?? null, c.quantity ?? null, c.quantityDelta ?? null, maxStock],
  );
  return rows[0];
}

export async function findReservation(db: Queryable, orderId: string): Promise<Reservation | undefined> {
  const { rows } = await db.query<ReservationRow>('SELECT * FROM reservations WHERE order_id = $1', [
    orderId,
  ]);
  return rows[0] ? toReservation(rows[0]) : undefined;
}

interface CopyOutcomeRow extends Omit<ReservationRow, 'book_id'> {
  book_id: number | null;
  outcome: CopyOutcome['kind'];
  quantity_left: number | null;
  book_topic: string | null;
  current_version: number | null;
}

/**
 * Reserves a copy of `bookId` for each order id, in order, while copies last (reserve_copies, one statement: the
 * caller may run it on its own so the row lock lasts only for it and its commit). Order ids must be distinct.
 */
export async function reserveCopies(
  db: Queryable,
  bookId: number,
  orderIds: string[],
): Promise<CopyOutcome[]> {
  const { rows } = await db.query<CopyOutcomeRow>('SELECT * FROM reserve_copies($1, $2::uuid[])', [
    bookId,
    orderIds,
  ]);
  return rows.map((r) => {
    const book =
      r.quantity_left === null
        ? null
        : { quantity: r.quantity_left, topic: r.book_topic!, version: r.current_version! };
    return r.outcome === 'reserved' || r.outcome === 'existing'
      ? { orderId: r.order_id, kind: r.outcome, reservation: toReservation(r as ReservationRow), book }
      : { orderId: r.order_id, kind: r.outcome, book };
  });
}

/** The stock of a book and the reservation of an order, read without any lock; undefined stock: no such book. */
export async function stockAndReservation(
  db: Queryable,
  bookId: number,
  orderId: string,
): Promise<{ quantity: number | undefined; reservation: Reservation | undefined }> {
  const { rows } = await db.query<ReservationRow & { stock: number | null }>(
    `SELECT (SELECT quantity FROM books WHERE id = $1) AS stock, r.*
       FROM (SELECT 1) AS one LEFT JOIN reservations r ON r.order_id = $2`,
    [bookId, orderId],
  );
  const row = rows[0]!;
  return {
    quantity: row.stock ?? undefined,
    reservation: row.order_id ? toReservation(row) : undefined,
  };
}

/** Reservations not yet settled by the order service, made more than `olderThanMs` ago, oldest first. */
export async function unsettledReservations(
  db: Queryable,
  olderThanMs: number,
  limit: number,
): Promise<Reservation[]> {
  const { rows } = await db.query<ReservationRow>(
    `SELECT * FROM reservations
      WHERE NOT settled AND created_at < now() - make_interval(secs => $1::double precision / 1000)
      ORDER BY created_at LIMIT $2`,
    [olderThanMs, limit],
  );
  return rows.map(toReservation);
}

/** Marks reservations settled: their orders exist. Returns how many changed. */
export async function settleReservations(db: Queryable, orderIds: string[]): Promise<number> {
  const { rowCount } = await db.query(
    'UPDATE reservations SET settled = true WHERE order_id = ANY($1::uuid[]) AND NOT settled',
    [orderIds],
  );
  return rowCount ?? 0;
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
