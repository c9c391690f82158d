// The page's only way to the server: a fetch wrapper over the public API that times every request and reports it,
// with its X-Cache and X-Served-By headers, to the operations panel.
import { emit } from './bus.js';

/** Emitted for every request, answered or not: { method, path, status, cache, servedBy, ms, background, at }. */
export const REQUEST_EVENT = 'request';

/**
 * Calls the API. Resolves with { status, ok, body, headers } for any HTTP answer; resolves with status 0 and a
 * `network_error` body when no answer came (the caller decides whether to retry). `background` marks the ops
 * panel's own polling.
 */
export async function call(method, path, { headers = {}, background = false } = {}) {
  const started = performance.now();
  const entry = { method, path, status: 0, cache: null, servedBy: null, ms: 0, background, at: new Date() };
  try {
    const res = await fetch(path, {
      method,
      headers: { accept: 'application/json', ...headers },
      cache: 'no-store',
    });
    Object.assign(entry, {
      status: res.status,
      cache: res.headers.get('x-cache'),
      servedBy: res.headers.get('x-served-by'),
    });
    const body = parseJson(await res.text());
    return { status: res.status, ok: res.ok, body, headers: res.headers, servedBy: entry.servedBy };
  } catch {
    return {
      status: 0,
      ok: false,
      body: { error: { code: 'network_error', message: 'The server could not be reached.' } },
      headers: new Headers(),
      servedBy: null,
    };
  } finally {
    entry.ms = performance.now() - started;
    emit(REQUEST_EVENT, entry);
  }
}

function parseJson(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The `{error:{code,message}}` of a failed answer, or a generic one when the body is not that shape. */
export function errorOf(res) {
  const error = res.body && typeof res.body === 'object' ? res.body.error : undefined;
  if (error && typeof error.code === 'string' && typeof error.message === 'string') return error;
  return { code: `http_${res.status}`, message: `The server answered ${res.status}.` };
}

const segment = (value) => encodeURIComponent(String(value));
const query = (params) => {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== null) q.set(key, value);
  const s = q.toString();
  return s ? `?${s}` : '';
};

export const api = {
  search: (topic, { limit, cursor } = {}) =>
    call('GET', `/search/${segment(topic)}${query({ limit, cursor })}`),
  info: (id) => call('GET', `/info/${segment(id)}`),
  purchase: (id, idempotencyKey) =>
    call('POST', `/purchase/${segment(id)}`, { headers: { 'Idempotency-Key': idempotencyKey } }),
  orders: ({ limit, cursor } = {}) => call('GET', `/orders${query({ limit, cursor })}`),
  cacheStats: () => call('GET', '/cache/stats', { background: true }),
  /** The pods and their health: needs the admin token. */
  replicas: (adminToken) =>
    call('GET', '/replicas', { background: true, headers: { authorization: `Bearer ${adminToken}` } }),
};

/** A random UUID; crypto.randomUUID needs a secure context, so plain-http deployments fall back to getRandomValues. */
export function newIdempotencyKey() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
