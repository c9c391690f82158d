// Order history as the reconciliation needs it: the newest order now, and the orders of one book placed since.
import { body, listOrders, type Order, type Page } from './api.ts';

const pageSize = 500;
const maxPages = 2_000;

/** Id of the newest order, or null when there is none yet. */
export function newestOrderId(): string | null {
  const res = listOrders(1);
  if (res.status !== 200) throw new Error(`GET /orders answered ${res.status}`);
  return body<Page<Order>>(res)?.items[0]?.orderId ?? null;
}

/**
 * Counts the orders for `bookId` newer than `since` (an order id from newestOrderId, or null for all), walking
 * GET /orders newest first until it meets `since`.
 */
export function countOrdersSince(bookId: number, since: string | null): number {
  let count = 0;
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const res = listOrders(pageSize, cursor);
    const orders = body<Page<Order>>(res);
    if (res.status !== 200 || !orders) throw new Error(`GET /orders answered ${res.status}`);
    for (const order of orders.items) {
      if (order.orderId === since) return count;
      if (order.bookId === bookId) count++;
    }
    if (orders.nextCursor === null) {
      if (since !== null) throw new Error(`order ${since} from before the run is no longer listed`);
      return count;
    }
    cursor = orders.nextCursor;
  }
  throw new Error(`more than ${maxPages * pageSize} orders since the run started`);
}
