// SQL for orders. Returns plain typed objects.
import type { Queryable } from '@bazar/common';
import type { Order, Reservation } from '../domain/order';

interface OrderRow {
  id: string;
  seq: number;
  book_id: number;
  title: string;
  price: number;
  created_at: Date;
  purchase_id: string | null;
}

const toOrder = (r: OrderRow): Order => ({
  orderId: r.id,
  bookId: r.book_id,
  title: r.title,
  price: r.price,
  createdAt: r.created_at.toISOString(),
});

export async function findOrder(db: Queryable, id: string): Promise<Order | undefined> {
  return (await findPlacedOrder(db, id))?.order;
}

/** The order and the purchase request that placed it (null for orders placed without one). */
export async function findPlacedOrder(
  db: Queryable,
  id: string,
): Promise<{ order: Order; purchaseId: string | null } | undefined> {
  const { rows } = await db.query<OrderRow>('SELECT * FROM orders WHERE id = $1', [id]);
  return rows[0] ? { order: toOrder(rows[0]), purchaseId: rows[0].purchase_id } : undefined;
}

/** Newest first, keyset-paged on the insertion sequence. */
export async function listOrders(
  db: Queryable,
  q: { beforeSeq: number | null; limit: number },
): Promise<{ order: Order; seq: number }[]> {
  const { rows } = await db.query<OrderRow>(
    'SELECT * FROM orders WHERE ($1::bigint IS NULL OR seq < $1) ORDER BY seq DESC LIMIT $2',
    [q.beforeSeq, q.limit],
  );
  return rows.map((r) => ({ order: toOrder(r), seq: r.seq }));
}

/** Records the order; undefined when one with this id exists already. */
export async function insertOrder(
  db: Queryable,
  r: Reservation,
  purchaseId: string | null,
): Promise<Order | undefined> {
  const { rows } = await db.query<OrderRow>(
    `INSERT INTO orders (id, book_id, title, price, purchase_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO NOTHING RETURNING *`,
    [r.orderId, r.bookId, r.title, r.price, purchaseId],
  );
  return rows[0] ? toOrder(rows[0]) : undefined;
}

/** Records the orders of these reservations that are missing (placed by no request); returns the ids it added. */
export async function insertMissingOrders(db: Queryable, rs: Reservation[]): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO orders (id, book_id, title, price)
     SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::numeric[])
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [rs.map((r) => r.orderId), rs.map((r) => r.bookId), rs.map((r) => r.title), rs.map((r) => r.price)],
  );
  return rows.map((r) => r.id);
}
