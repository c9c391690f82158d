// The frontend's way to the catalog pods: reads are retried once on the next pod; an update is retried only when
// repeating it is harmless (absolute values, not a quantityDelta).
import { raiseUpstreamError, type UpstreamClient, type UpstreamResponse } from '@bazar/common';
import type { Book, BookSummary, Page, Served } from '../domain/types';

export class CatalogGateway {
  constructor(private readonly client: UpstreamClient) {}

  getBook(id: number): Promise<Served<Book>> {
    return this.call<Book>('GET', `/books/${id}`, undefined, 2);
  }

  search(topic: string, limit: number, cursor?: string): Promise<Served<Page<BookSummary>>> {
    const q = new URLSearchParams({ topic, limit: String(limit) });
    if (cursor) q.set('cursor', cursor);
    return this.call<Page<BookSummary>>('GET', `/books?${q}`, undefined, 2);
  }

  updateBook(id: number, change: Record<string, unknown>): Promise<Served<Book>> {
    const repeatable = change.quantityDelta === undefined;
    return this.call<Book>('PATCH', `/books/${id}`, change, repeatable ? 2 : 1);
  }

  private async call<T>(
    method: 'GET' | 'PATCH',
    path: string,
    body: unknown,
    attempts: number,
  ): Promise<Served<T>> {
    const res = await this.client.request<T>(method, path, body, { attempts });
    if (res.status !== 200) raiseUpstreamError(res);
    return served(res);
  }
}

export function served<T>(res: UpstreamResponse<T>): Served<T> {
  const by = res.headers['x-served-by'];
  return { value: res.body, servedBy: typeof by === 'string' ? by : undefined };
}
