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
  customer_id: string | null;
}

const toOrder = (r: OrderRow): Order => ({
  orderId: r.id,
  bookId: r.book_id,
  title: r.title,
  price: r.price,
  createdAt: r.created_at.toISOString(),
});

export interface PlacedOrderRow {
  order: Order;
  /** The purchase request that placed it (null for orders placed without one). */
  purchaseId: string | null;
  customerId: string | null;
}

export async function findPlacedOrder(db: Queryable, id: string): Promise<PlacedOrderRow | undefined> {
  const { rows } = await db.query<OrderRow>('SELECT * FROM orders WHERE id = $1', [id]);
  const r = rows[0];
  return r ? { order: toOrder(r), purchaseId: r.purchase_id, customerId: r.customer_id } : undefined;
}

/** Gives an order that has no customer (recorded by the reconciler) to the customer whose retry names it. */
export async function claimOrder(db: Queryable, id: string, customerId: string): Promise<void> {
  await db.query('UPDATE orders SET customer_id = $2 WHERE id = $1 AND customer_id IS NULL', [
    id,
    customerId,
  ]);
}

/** Newest first, keyset-paged on the insertion sequence; one customer's orders, or all with customerId null. */
export async function listOrders(
  db: Queryable,
  q: { beforeSeq: number | null; limit: number; customerId: string | null },
): Promise<{ order: Order; seq: number }[]> {
  const { rows } = await db.query<OrderRow>(
    `SELECT * FROM orders WHERE ($1::bigint IS NULL OR seq < $1) AND ($3::uuid IS NULL OR customer_id = $3)
     ORDER BY seq DESC LIMIT $2`,
    [q.beforeSeq, q.limit, q.customerId],
  );
  return rows.map((r) => ({ order: toOrder(r), seq: r.seq }));
}

/** Records the order; undefined when one with this id exists already. */
export async function insertOrder(
  db: Queryable,
  r: Reservation,
  by: { purchaseId: string | null; customerId: string | null },
): Promise<Order | undefined> {
  const { rows } = await db.query<OrderRow>(
    `INSERT INTO orders (id, book_id, title, price, purchase_id, customer_id) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO NOTHING RETURNING *`,
    [r.orderId, r.bookId, r.title, r.price, by.purchaseId, by.customerId],
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
