// The order service's only way to reach the catalog: reservations, sent round-robin over the catalog pods and
// retried on the next pod with the same order id when one fails (safe: reservations are idempotent). Each attempt
// may use all the time left: the catalog needs a batch's worst case to start one, and a stopped pod is left to
// the frontend, which keeps time to try another order pod.
import {
  UpstreamClient,
  raiseUpstreamError,
  type Deadline,
  type EndpointSource,
  type Logger,
} from '@bazar/common';
import type { Reservation } from '../domain/order';

export class CatalogGateway {
  private readonly client: UpstreamClient;

  constructor(opts: { source: EndpointSource; token: string; timeoutMs: number; log: Logger }) {
    this.client = new UpstreamClient({ name: 'catalog', attemptShare: 1, ...opts });
  }

  async reserve(bookId: number, orderId: string, deadline: Deadline): Promise<Reservation> {
    // Every catalog pod may be tried (the default): the same order id makes a repeat harmless.
    const res = await this.client.request<Reservation>(
      'POST',
      `/books/${bookId}/reservations`,
      { orderId },
      { deadline },
    );
    if (res.status !== 200 && res.status !== 201) raiseUpstreamError(res);
    return res.body;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
