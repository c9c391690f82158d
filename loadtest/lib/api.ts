// The public API of a Bazar frontend, as k6 calls it. Every request is tagged with a stable `name` (so ids do
// not explode the URL tag) and an `op` — read, purchase, admin or ops — that thresholds select on.
import http, { type RefinedResponse, type ResponseType } from 'k6/http';
import { ADMIN_TOKEN, BASE_URL } from './config.ts';

export type Op = 'read' | 'purchase' | 'admin' | 'ops';
export type Response = RefinedResponse<ResponseType | undefined>;

export interface Book {
  id: number;
  title: string;
  topic: string;
  price: number;
  quantity: number;
  version: number;
}

export interface Order {
  orderId: string;
  bookId: number;
  title: string;
  price: number;
  createdAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface SearchPage extends Page<{ id: number; title: string }> {
  topic: string;
}

export interface ApiError {
  error: { code: string; message: string };
}

/** Statuses a request expects; others count in http_req_failed. */
type Expected = number[];

function params(op: Op, name: string, expected: Expected, headers: Record<string, string> = {}) {
  return {
    headers: { accept: 'application/json', ...headers },
    tags: { op, name },
    responseCallback: http.expectedStatuses(...expected),
  };
}

/** The parsed JSON body, or undefined when the body is not JSON (which a check should then catch). */
export function body<T>(res: Response): T | undefined {
  try {
    return res.json() as unknown as T;
  } catch {
    return undefined;
  }
}

/** The error code of an error answer (`{"error":{"code":…}}`), if that is what came back. */
export function errorCode(res: Response): string | undefined {
  return body<ApiError>(res)?.error?.code;
}

export function info(id: number | string, expected: Expected = [200]): Response {
  return http.get(`${BASE_URL}/info/${id}`, params('read', 'GET /info/:id', expected));
}

export function search(topic: string, query = '', expected: Expected = [200]): Response {
  const q = query ? `?${query}` : '';
  return http.get(
    `${BASE_URL}/search/${encodeURIComponent(topic)}${q}`,
    params('read', 'GET /search/:topic', expected),
  );
}

/**
 * Buys one copy. The idempotency key makes a retry safe: the same key always reaches the same order (I5).
 * 201 is a new order, 200 a replay of the key's order, 409 out of stock.
 */
export function purchase(id: number, idempotencyKey: string, expected: Expected = [200, 201, 409]): Response {
  return http.post(
    `${BASE_URL}/purchase/${id}`,
    null,
    params('purchase', 'POST /purchase/:id', expected, { 'Idempotency-Key': idempotencyKey }),
  );
}

export function patchBook(
  id: number,
  change: Partial<Pick<Book, 'price' | 'quantity'>> & { quantityDelta?: number },
) {
  return http.patch(
    `${BASE_URL}/books/${id}`,
    JSON.stringify(change),
    params('admin', 'PATCH /books/:id', [200], {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      'content-type': 'application/json',
    }),
  );
}

/** Every order, newest first: the admin's view (with ADMIN_TOKEN); without it, this VU's customer's orders. */
export function listOrders(limit: number, cursor?: string): Response {
  const q = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  const admin: Record<string, string> = ADMIN_TOKEN ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {};
  return http.get(`${BASE_URL}/orders?${q}`, params('read', 'GET /orders', [200], admin));
}

export function getOrder(orderId: string, expected: Expected = [200]): Response {
  return http.get(`${BASE_URL}/orders/${orderId}`, params('read', 'GET /orders/:id', expected));
}

export function cacheStats(): Response {
  return http.get(`${BASE_URL}/cache/stats`, params('ops', 'GET /cache/stats', [200]));
}

export function readyz(): Response {
  return http.get(`${BASE_URL}/readyz`, params('ops', 'GET /readyz', [200]));
}
