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

  /** Reservations the catalog has not seen settled, made more than `olderThanMs` ago (for the reconciler). */
  async unsettled(olderThanMs: number, limit: number): Promise<Reservation[]> {
    const q = new URLSearchParams({ olderThanMs: String(olderThanMs), limit: String(limit) });
    const res = await this.client.request<{ items: Reservation[] }>(
      'GET',
      `/reservations/unsettled?${q}`,
      undefined,
      {
        attempts: 2,
      },
    );
    if (res.status !== 200) raiseUpstreamError(res);
    return res.body.items;
  }

  /** Tells the catalog these reservations' orders exist. */
  async settle(orderIds: string[]): Promise<void> {
    const res = await this.client.request('POST', '/reservations/settled', { orderIds }, { attempts: 2 });
    if (res.status !== 200) raiseUpstreamError(res);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
