// Purchases: an idempotent reservation on the catalog, then an idempotent order insert under the same id.
// Either step may be repeated by a retry (through any order pod) without a second copy or a second order.
import { randomUUID } from 'node:crypto';
import {
  busy,
  conflict,
  decodeCursor,
  notFound,
  toPage,
  type Database,
  type Deadline,
  type TestGate,
} from '@bazar/common';
import * as orders from '../data-access/orders.repository';
import type { CatalogGateway } from '../gateways/catalog.gateway';
import type { Order, OrderPage } from './order';

export interface PlacedOrder {
  order: Order;
  /**
   * false when this order id had been placed before by another request: the stored order is returned, nothing
   * new happened. true when this request placed it (now, or in an earlier attempt of the same purchase request).
   */
  created: boolean;
}

export interface PlaceOrder {
  bookId: number;
  orderId?: string;
  /** The frontend request placing it: a retry of that request learns that the order is its own (created). */
  purchaseId?: string;
  deadline: Deadline;
}

export class Orders {
  constructor(
    private readonly db: Database,
    private readonly catalog: CatalogGateway,
    /** Time kept back for the order's own write once the catalog has reserved (a statement and its commit). */
    private readonly writeReserveMs: number,
    /** TEST_HOOKS only: purchases wait here after the reservation, before the order is recorded. */
    private readonly gate?: TestGate,
  ) {}

  /**
   * Reserves on the catalog, then records the order. The catalog gets the deadline less the time the order write
   * may take, so a reservation made is always followed by its order within the deadline; with too little time
   * for both, nothing is started (503 busy).
   */
  async placeOrder(p: PlaceOrder): Promise<PlacedOrder> {
    const { bookId, orderId = randomUUID(), purchaseId = null } = p;
    const existing = await this.db.readPrimary((q) => orders.findPlacedOrder(q, orderId));
    if (existing)
      return placed(existing.order, bookId, purchaseId !== null && existing.purchaseId === purchaseId);
    const forCatalog = p.deadline.less(this.writeReserveMs);
    if (forCatalog.remainingMs < this.writeReserveMs) {
      throw busy('too little of the request deadline is left to place an order; retry later');
    }
    const reservation = await this.catalog.reserve(bookId, orderId, forCatalog);
    await this.gate?.pass();
    const inserted = await this.db.write((tx) => orders.insertOrder(tx, reservation, purchaseId));
    if (inserted) return { order: inserted, created: true };
    const twin = (await this.db.readPrimary((q) => orders.findPlacedOrder(q, orderId)))!;
    return placed(twin.order, bookId, purchaseId !== null && twin.purchaseId === purchaseId);
  }

  async getOrder(id: string): Promise<Order> {
    const order = await this.db.read((q) => orders.findOrder(q, id));
    if (!order) throw notFound(`no order with id ${id}`);
    return order;
  }

  async listOrders(q: { cursor?: string; limit: number }): Promise<OrderPage> {
    const beforeSeq = q.cursor ? decodeCursor('o', q.cursor) : null;
    const rows = await this.db.read((db) => orders.listOrders(db, { beforeSeq, limit: q.limit + 1 }));
    return toPage(
      rows,
      q.limit,
      'o',
      (r) => r.seq,
      (r) => r.order,
    );
  }
}

function placed(order: Order, bookId: number, created: boolean): PlacedOrder {
  if (order.bookId !== bookId) {
    throw conflict('idempotency_conflict', `order ${order.orderId} was already placed for another book`);
  }
  return { order, created };
}
