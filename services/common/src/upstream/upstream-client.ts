// JSON client for a replicated internal service: keep-alive connection pools per endpoint, round-robin over the
// endpoints, and on a connection failure, timeout or 5xx the same request is tried on the next endpoint.
// Callers only send requests that are safe to repeat (reads, or writes carrying an idempotency key).
import { Pool } from 'undici';
import { AppError } from '../errors';
import type { Logger } from '../logger';

export interface UpstreamOptions {
  name: string;
  endpoints: string[];
  token: string;
  timeoutMs: number;
  log: Logger;
}

export interface UpstreamResponse<T> {
  status: number;
  body: T;
  endpoint: string;
}

export interface UpstreamErrorBody {
  error?: { code?: string; message?: string };
}

export class UpstreamClient {
  private readonly pools = new Map<string, Pool>();
  private next = 0;

  constructor(private readonly opts: UpstreamOptions) {
    if (opts.endpoints.length === 0) throw new Error(`${opts.name}: no endpoints configured`);
    for (const e of opts.endpoints)
      this.pools.set(e, new Pool(e, { connections: 64, keepAliveTimeout: 30_000 }));
  }

  /** Sends to one endpoint after another (round-robin start) until one answers below 500. */
  async request<T>(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    body?: unknown,
  ): Promise<UpstreamResponse<T>> {
    const endpoints = this.opts.endpoints;
    const start = this.next++ % endpoints.length;
    let lastProblem = 'no attempt';
    for (let i = 0; i < endpoints.length; i++) {
      const endpoint = endpoints[(start + i) % endpoints.length]!;
      try {
        const res = await this.send<T>(endpoint, method, path, body);
        if (res.status < 500) return res;
        // The upstream's own 503 (e.g. primary_unavailable) is an answer worth passing on if no one does better.
        lastProblem = `${endpoint} answered ${res.status}`;
        if (i === endpoints.length - 1) return res;
      } catch (err) {
        lastProblem = `${endpoint}: ${err instanceof Error ? err.message : String(err)}`;
      }
      this.opts.log.warn(
        { upstream: this.opts.name, problem: lastProblem },
        'upstream attempt failed; trying next',
      );
    }
    throw new AppError(503, 'upstream_unavailable', `${this.opts.name} is unavailable (${lastProblem})`);
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }

  private async send<T>(
    endpoint: string,
    method: string,
    path: string,
    body: unknown,
  ): Promise<UpstreamResponse<T>> {
    const pool = this.pools.get(endpoint)!;
    const res = await pool.request({
      method,
      path,
      headers: {
        authorization: `Bearer ${this.opts.token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.opts.timeoutMs),
    });
    const text = await res.body.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new Error(`non-JSON answer with status ${res.statusCode}`);
    }
    return { status: res.statusCode, body: parsed as T, endpoint };
  }
}

/** Turns an upstream 4xx/5xx into the same AppError the upstream raised, so clients see one error shape. */
export function raiseUpstreamError(res: UpstreamResponse<unknown>): never {
  const e = (res.body as UpstreamErrorBody | undefined)?.error;
  throw new AppError(
    res.status,
    e?.code ?? 'upstream_error',
    e?.message ?? `upstream answered ${res.status}`,
  );
}
