// The frontend's way to the order pods. A purchase carries its order id, so trying it on every pod in turn can
// never buy twice, and a later attempt learns the outcome of an earlier one whose answer was lost (it carries the
// same purchase id, so an order the earlier attempt created is still answered as created). Reads are retried
// once on the next pod.
import { AppError, raiseUpstreamError, type Deadline, type UpstreamClient } from '@bazar/common';
import type { Order, Page, Served } from '../domain/types';
import { served } from './catalog.gateway';

export class OrderGateway {
  constructor(private readonly client: UpstreamClient) {}

  async placeOrder(p: {
    bookId: number;
    orderId: string;
    purchaseId: string;
    customerId: string;
    deadline: Deadline;
  }): Promise<Served<Order> & { created: boolean }> {
    const { deadline, ...body } = p;
    const res = await this.client.request<Order>('POST', '/orders', body, { deadline });
    // A final "busy" after an attempt that may have bought must not read as "nothing was bought".
    if (res.status === 503 && res.uncertain) {
      throw new AppError(503, 'purchase_unconfirmed', 'the purchase could not be confirmed in time');
    }
    if (res.status !== 200 && res.status !== 201) raiseUpstreamError(res);
    return { ...served(res), created: res.status === 201 };
  }

  async listOrders(limit: number, cursor?: string, customerId?: string): Promise<Served<Page<Order>>> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) q.set('cursor', cursor);
    if (customerId) q.set('customer', customerId);
    const res = await this.client.request<Page<Order>>('GET', `/orders?${q}`, undefined, { attempts: 2 });
    if (res.status !== 200) raiseUpstreamError(res);
    return served(res);
  }

  async getOrder(id: string, customerId?: string): Promise<Served<Order>> {
    const q = customerId ? `?customer=${customerId}` : '';
    const res = await this.client.request<Order>('GET', `/orders/${id}${q}`, undefined, { attempts: 2 });
    if (res.status !== 200) raiseUpstreamError(res);
    return served(res);
  }
}
