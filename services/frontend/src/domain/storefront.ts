// The public operations of Bazar, as the frontend performs them: cached reads, purchases, admin updates.
import { randomUUID } from 'node:crypto';
import { AppError, annotate, overloadCodes, type Deadline } from '@bazar/common';
import type { CatalogGateway } from '../gateways/catalog.gateway';
import { purchases } from '../metrics';
import type { OrderGateway } from '../gateways/order.gateway';
import type { BookCache } from './book-cache';
import type { ReadyEntry } from './cache-store';
import { orderIdFor } from './idempotency';
import type { Book, BookSummary, Order, Page, Served } from './types';

/** A purchase that could not be settled in time: the same 503, saying how to learn its outcome. */
function unconfirmed(err: AppError, key: string): AppError {
  const nothingDone = overloadCodes.has(err.code);
  const message = nothingDone
    ? `${err.message}; nothing was bought: retry with the same Idempotency-Key`
    : `${err.message}; the purchase may or may not have happened: retry with the same Idempotency-Key to get its outcome (it never buys twice)`;
  return new AppError(503, err.code, message).withHeader('Idempotency-Key', key);
}

const searchVariant = (limit: number, cursor?: string) => `${limit}:${cursor ?? ''}`;

export interface CachedRead<T> extends Served<T> {
  hit: boolean;
}

export class Storefront {
  constructor(
    private readonly cache: BookCache,
    private readonly catalog: CatalogGateway,
    private readonly orders: OrderGateway,
  ) {}

  async info(id: number): Promise<CachedRead<Book>> {
    let servedBy: string | undefined;
    const { value, hit } = await this.cache.getBook(id, async (fromPrimary) => {
      const res = await this.catalog.getBook(id, fromPrimary);
      servedBy = res.servedBy;
      return res.value;
    });
    return { value, hit, servedBy };
  }

  /** A cache hit for GET /info/:id as bytes, if one may be sent right now (BookCache.readyBook). */
  readyInfo(id: number, take: boolean): ReadyEntry | undefined {
    return this.cache.readyBook(id, take);
  }

  /** A cache hit for a search page as bytes (`{items, nextCursor}`, without the topic), if one may be sent now. */
  readySearch(
    topic: string,
    limit: number,
    cursor: string | undefined,
    take: boolean,
  ): ReadyEntry | undefined {
    return this.cache.readySearch(topic, searchVariant(limit, cursor), take);
  }

  async search(topic: string, limit: number, cursor?: string): Promise<CachedRead<Page<BookSummary>>> {
    let servedBy: string | undefined;
    const { value, hit } = await this.cache.getSearch(topic, searchVariant(limit, cursor), async () => {
      const res = await this.catalog.search(topic, limit, cursor);
      servedBy = res.servedBy;
      return res.value;
    });
    return { value, hit, servedBy };
  }

  /**
   * Buys one copy; the same idempotency key always yields the same order, through any pod. Within `deadline`
   * every order pod may be tried with the same order id, which also settles an attempt whose answer was lost. Only
   * when the deadline runs out first is the answer a 503, carrying the key to retry with (DESIGN I9).
   */
  async purchase(p: { bookId: number; customerId: string; idempotencyKey?: string; deadline: Deadline }) {
    const { bookId, customerId, deadline } = p;
    const { orderId, key } = orderIdFor(customerId, p.idempotencyKey);
    try {
      const purchaseId = randomUUID();
      const placed = await this.orders.placeOrder({ bookId, orderId, purchaseId, customerId, deadline });
      purchases.inc({ outcome: placed.created ? 'created' : 'replayed' });
      annotate({ 'bazar.order.id': orderId, 'bazar.purchase.replayed': !placed.created });
      return { ...placed, key };
    } catch (err) {
      const code = err instanceof AppError ? err.code : '';
      purchases.inc({ outcome: code === 'out_of_stock' || code === 'not_found' ? code : 'failed' });
      if (err instanceof AppError && err.status === 503) throw unconfirmed(err, key);
      throw err;
    }
  }

  updateBook(id: number, change: Record<string, unknown>, deadline: Deadline): Promise<Served<Book>> {
    // The catalog pushes the invalidation to every frontend pod, this one included, before it answers.
    return this.catalog.updateBook(id, change, deadline);
  }

  /** Newest first: one customer's orders, or every order (customerId undefined: the admin). */
  listOrders(limit: number, cursor: string | undefined, customerId?: string): Promise<Served<Page<Order>>> {
    return this.orders.listOrders(limit, cursor, customerId);
  }

  /** One order; with customerId, only that customer's (another's is 404, as if it did not exist). */
  getOrder(id: string, customerId?: string): Promise<Served<Order>> {
    return this.orders.getOrder(id, customerId);
  }
}
