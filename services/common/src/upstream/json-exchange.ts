// One JSON request/response over an endpoint's pool, the readiness probe, and how a failure is described.
import type { Pool } from 'undici';

export interface UpstreamResponse<T> {
  status: number;
  body: T;
  /** Base URL of the endpoint that answered. */
  endpoint: string;
  /** The upstream's response headers, lower-case names (e.g. `x-served-by`); repeated ones joined with ", ". */
  headers: Record<string, string>;
  /**
   * Set on a failure answer passed on after several attempts: an earlier attempt got no answer or a 5xx that
   * does not say "nothing done", so what the request did is not known from this answer alone.
   */
  uncertain?: boolean;
}

export interface Exchange {
  pool: Pool;
  endpoint: string;
  method: string;
  path: string;
  body: unknown;
  headers: Record<string, string>;
  timeoutMs: number;
}

/**
 * Settles with `request` or rejects when `signal` aborts, whichever comes first. undici honours the signal once a
 * request is on a connection, but not while the request waits for one to be made: a peer that drops SYNs (a deleted
 * pod's address) holds it until the pool's connect timeout. A request still pending then is left to fail or finish
 * on its own, its body discarded.
 */
export function bySignal<R extends { body: { dump(): Promise<unknown> } }>(
  request: Promise<R>,
  signal: AbortSignal,
): Promise<R> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<R>((resolve, reject) => {
    let late = false;
    const onAbort = () => {
      late = true;
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    request.then(
      (res) => {
        signal.removeEventListener('abort', onAbort);
        if (late) void res.body.dump().catch(() => undefined);
        else resolve(res);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (!late) reject(err as Error);
      },
    );
  });
}

export async function exchangeJson<T>(x: Exchange): Promise<UpstreamResponse<T>> {
  const signal = AbortSignal.timeout(x.timeoutMs);
  const res = await bySignal(
    x.pool.request({
      method: x.method,
      path: x.path,
      headers: {
        accept: 'application/json',
        ...(x.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...x.headers,
      },
      body: x.body === undefined ? undefined : JSON.stringify(x.body),
      signal,
    }),
    signal,
  );
  const text = await res.body.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    throw new Error(`non-JSON answer with status ${res.statusCode}`);
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers))
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return { status: res.statusCode, body: parsed as T, endpoint: x.endpoint, headers };
}

/** GET `path` (e.g. /readyz): null when it answers 2xx, otherwise what went wrong. */
export async function probeReady(pool: Pool, path: string, timeoutMs: number): Promise<string | null> {
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    const res = await bySignal(pool.request({ method: 'GET', path, signal }), signal);
    await res.body.dump();
    return res.statusCode >= 200 && res.statusCode < 300 ? null : `probe answered ${res.statusCode}`;
  } catch (err) {
    return `probe: ${describeProblem(err)}`;
  }
}

/** True when the connection was refused: nothing was sent, so trying elsewhere costs nothing. */
export function wasRefused(err: unknown): boolean {
  const e = err as { code?: unknown; errors?: unknown[] };
  return e?.code === 'ECONNREFUSED' || (Array.isArray(e?.errors) && e.errors.some(wasRefused));
}

export function describeProblem(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return 'timed out';
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
}
