// The public operations of Bazar, as the frontend performs them: cached reads, purchases, admin updates.
import { AppError, annotate } from '@bazar/common';
import type { CatalogGateway } from '../gateways/catalog.gateway';
import { purchases } from '../metrics';
import type { OrderGateway } from '../gateways/order.gateway';
import type { BookCache } from './book-cache';
import { orderIdFor } from './idempotency';
import type { Book, BookSummary, Order, Page, Served } from './types';

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
    const { value, hit } = await this.cache.getBook(id, async () => {
      const res = await this.catalog.getBook(id);
      servedBy = res.servedBy;
      return res.value;
    });
    return { value, hit, servedBy };
  }

  async search(topic: string, limit: number, cursor?: string): Promise<CachedRead<Page<BookSummary>>> {
    let servedBy: string | undefined;
    const { value, hit } = await this.cache.getSearch(topic, `${limit}:${cursor ?? ''}`, async () => {
      const res = await this.catalog.search(topic, limit, cursor);
      servedBy = res.servedBy;
      return res.value;
    });
    return { value, hit, servedBy };
  }

  /** Buys one copy; the same idempotency key always yields the same order, through any pod. */
  async purchase(bookId: number, idempotencyKey?: string) {
    const { orderId, key } = orderIdFor(idempotencyKey);
    try {
      const placed = await this.orders.placeOrder(bookId, orderId);
      purchases.inc({ outcome: placed.created ? 'created' : 'replayed' });
      annotate({ 'bazar.order.id': orderId, 'bazar.purchase.replayed': !placed.created });
      return { ...placed, key };
    } catch (err) {
      const code = err instanceof AppError ? err.code : '';
      purchases.inc({ outcome: code === 'out_of_stock' || code === 'not_found' ? code : 'failed' });
      throw err;
    }
  }

  updateBook(id: number, change: Record<string, unknown>): Promise<Served<Book>> {
    // The catalog pushes the invalidation to every frontend pod, this one included, before it answers.
    return this.catalog.updateBook(id, change);
  }

  listOrders(limit: number, cursor?: string): Promise<Served<Page<Order>>> {
    return this.orders.listOrders(limit, cursor);
  }

  getOrder(id: string): Promise<Served<Order>> {
    return this.orders.getOrder(id);
  }
}
