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
  /** The shopper placing it (the frontend's customer session); their history lists it. */
  customerId?: string;
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
    const { bookId, orderId = randomUUID(), purchaseId = null, customerId = null } = p;
    const existing = await this.db.readPrimary((q) => orders.findPlacedOrder(q, orderId));
    if (existing) return this.placed(existing, p);
    const forCatalog = p.deadline.less(this.writeReserveMs);
    if (forCatalog.remainingMs < this.writeReserveMs) {
      throw busy('too little of the request deadline is left to place an order; retry later');
    }
    const reservation = await this.catalog.reserve(bookId, orderId, forCatalog);
    await this.gate?.pass();
    const inserted = await this.db.write((tx) =>
      orders.insertOrder(tx, reservation, { purchaseId, customerId }),
    );
    if (inserted) return { order: inserted, created: true };
    const twin = (await this.db.readPrimary((q) => orders.findPlacedOrder(q, orderId)))!;
    return this.placed(twin, p);
  }

  /**
   * An order that exists already, answered to a request that names it. Its customer may claim it when it has none
   * (the reconciler recorded it); another customer's order is a conflict that shows nothing of it.
   */
  private async placed(found: orders.PlacedOrderRow, p: PlaceOrder): Promise<PlacedOrder> {
    const { order, purchaseId, customerId } = found;
    const askedBy = p.customerId ?? null;
    if (order.bookId !== p.bookId || (customerId !== null && askedBy !== null && customerId !== askedBy)) {
      throw conflict('idempotency_conflict', 'this Idempotency-Key was already used for another purchase');
    }
    if (customerId === null && askedBy !== null) {
      await this.db.write((tx) => orders.claimOrder(tx, order.orderId, askedBy));
    }
    return { order, created: p.purchaseId !== undefined && purchaseId === p.purchaseId };
  }

  /** One order; with `customerId`, only if it is that customer's (else 404, as if it did not exist). */
  async getOrder(id: string, customerId?: string): Promise<Order> {
    const found = await this.db.read((q) => orders.findPlacedOrder(q, id));
    if (!found || (customerId !== undefined && found.customerId !== customerId)) {
      throw notFound(`no order with id ${id}`);
    }
    return found.order;
  }

  /** Newest first: one customer's orders, or every order without `customerId`. */
  async listOrders(q: { cursor?: string; limit: number; customerId?: string }): Promise<OrderPage> {
    const beforeSeq = q.cursor ? decodeCursor('o', q.cursor) : null;
    const customerId = q.customerId ?? null;
    const rows = await this.db.read((db) =>
      orders.listOrders(db, { beforeSeq, limit: q.limit + 1, customerId }),
    );
    return toPage(
      rows,
      q.limit,
      'o',
      (r) => r.seq,
      (r) => r.order,
    );
  }
}
