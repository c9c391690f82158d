// Purchases: an idempotent reservation on the catalog, then an idempotent order insert under the same id.
// Either step may be repeated by a retry (through any order pod) without a second copy or a second order.
import { randomUUID } from 'node:crypto';
import { conflict, decodeCursor, notFound, toPage, type Database } from '@bazar/common';
import * as orders from '../data-access/orders.repository';
import type { CatalogGateway } from '../gateways/catalog.gateway';
import type { Order, OrderPage } from './order';

export interface PlacedOrder {
  order: Order;
  /** false when this order id had been placed before: the stored order is returned, nothing new happened. */
  created: boolean;
}

export class Orders {
  constructor(
    private readonly db: Database,
    private readonly catalog: CatalogGateway,
  ) {}

  async placeOrder(bookId: number, orderId: string = randomUUID()): Promise<PlacedOrder> {
    const existing = await this.db.readPrimary((q) => orders.findOrder(q, orderId));
    if (existing) return { order: sameBook(existing, bookId), created: false };
    const reservation = await this.catalog.reserve(bookId, orderId);
    const inserted = await this.db.write((tx) => orders.insertOrder(tx, reservation));
    if (inserted) return { order: inserted, created: true };
    const twin = await this.db.readPrimary((q) => orders.findOrder(q, orderId));
    return { order: sameBook(twin!, bookId), created: false };
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

function sameBook(order: Order, bookId: number): Order {
  if (order.bookId !== bookId) {
    throw conflict('idempotency_conflict', `order ${order.orderId} was already placed for another book`);
  }
  return order;
}
