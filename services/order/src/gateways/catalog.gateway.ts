// The order service's only way to reach the catalog: reservations, sent round-robin over the catalog pods and
// retried on the next pod with the same order id when one fails (safe: reservations are idempotent).
import { UpstreamClient, raiseUpstreamError, type EndpointSource, type Logger } from '@bazar/common';
import type { Reservation } from '../domain/order';

export class CatalogGateway {
  private readonly client: UpstreamClient;

  constructor(opts: { source: EndpointSource; token: string; timeoutMs: number; log: Logger }) {
    this.client = new UpstreamClient({ name: 'catalog', ...opts });
  }

  async reserve(bookId: number, orderId: string): Promise<Reservation> {
    // Every catalog pod may be tried (the default): the same order id makes a repeat harmless.
    const res = await this.client.request<Reservation>('POST', `/books/${bookId}/reservations`, { orderId });
    if (res.status !== 200 && res.status !== 201) raiseUpstreamError(res);
    return res.body;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
