// The frontend's way to the catalog pods: reads are retried once on the next pod; an update is retried only when
// repeating it is harmless (absolute values, not a quantityDelta).
import {
  raiseUpstreamError,
  readFromHeader,
  type Deadline,
  type UpstreamClient,
  type UpstreamResponse,
} from '@bazar/common';
import type { Book, BookSummary, Page, Served } from '../domain/types';

export class CatalogGateway {
  constructor(private readonly client: UpstreamClient) {}

  /** `fromPrimary` while a write to the book is in flight: the catalog then reads its primary (I12). */
  getBook(id: number, fromPrimary = false): Promise<Served<Book>> {
    const headers = fromPrimary ? { [readFromHeader]: 'primary' } : undefined;
    return this.call<Book>('GET', `/books/${id}`, undefined, 2, headers);
  }

  /** A cache lease from the catalog pod at `url` (ms), or null when it refuses (it has fenced this pod). */
  async cacheLease(url: string, selfUrl: string, timeoutMs: number): Promise<number | null> {
    const res = await this.client.requestTo<{ leaseMs: number }>(
      url,
      'POST',
      '/cache-leases',
      { frontend: selfUrl },
      timeoutMs,
    );
    if (res.status === 200 && typeof res.body?.leaseMs === 'number') return res.body.leaseMs;
    if (res.status === 409) return null;
    throw new Error(`cache lease: ${url} answered ${res.status}`);
  }

  /** Tells the catalog pod at `url` that this pod's cache leases end now (it is shutting down). */
  async releaseCacheLease(url: string, selfUrl: string, timeoutMs: number): Promise<void> {
    const res = await this.client.requestTo(
      url,
      'POST',
      '/cache-leases/release',
      { frontend: selfUrl },
      timeoutMs,
    );
    if (res.status !== 204) throw new Error(`cache lease release: ${url} answered ${res.status}`);
  }

  /** The catalog pods' URLs: every one must grant this pod a cache lease. */
  writers(): string[] {
    return this.client.urls();
  }

  search(topic: string, limit: number, cursor?: string): Promise<Served<Page<BookSummary>>> {
    const q = new URLSearchParams({ topic, limit: String(limit) });
    if (cursor) q.set('cursor', cursor);
    return this.call<Page<BookSummary>>('GET', `/books?${q}`, undefined, 2);
  }

  /** Bounded by the request's deadline: the catalog may hold a write back by a cache lease (I4). */
  updateBook(id: number, change: Record<string, unknown>, deadline: Deadline): Promise<Served<Book>> {
    const repeatable = change.quantityDelta === undefined;
    return this.call<Book>('PATCH', `/books/${id}`, change, repeatable ? 2 : 1, undefined, deadline);
  }

  private async call<T>(
    method: 'GET' | 'PATCH',
    path: string,
    body: unknown,
    attempts: number,
    headers?: Record<string, string>,
    deadline?: Deadline,
  ): Promise<Served<T>> {
    const res = await this.client.request<T>(method, path, body, { attempts, headers, deadline });
    if (res.status !== 200) raiseUpstreamError(res);
    return served(res);
  }
}

export function served<T>(res: UpstreamResponse<T>): Served<T> {
  const by = res.headers['x-served-by'];
  return { value: res.body, servedBy: typeof by === 'string' ? by : undefined };
}
