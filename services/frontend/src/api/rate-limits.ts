// Per-client rate limits on the public API (rate-limiter-flexible): every request counts against
// RATE_LIMIT_REQUESTS, a purchase also against RATE_LIMIT_PURCHASES, per RATE_LIMIT_WINDOW_S and client address.
// With Redis the counts are shared by every frontend pod (in Redis database 1, apart from the cache's entries);
// should Redis fail, each pod goes on counting in memory rather than letting everything through or refusing all.
// Over a limit: 429 `rate_limited` with Retry-After; nothing was done. The probes and /internal/* (the catalog
// pods' pushes, which carry the internal token) never count.
import type { IncomingMessage } from 'node:http';
import { createClient } from '@redis/client';
import { AppError, type Logger } from '@bazar/common';
import type Koa from 'koa';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';

export interface RateLimitOptions {
  /** Requests per window per client; 0 turns the limit off. */
  requests: number;
  /** Purchases per window per client; 0 turns the limit off. */
  purchases: number;
  windowS: number;
  redisUrl?: string;
  log: Logger;
}

/** What a check needs of a request: Koa's context has it (the fast path of fast-hits.ts makes one too). */
export type RateLimitedRequest = Pick<Koa.Context, 'path' | 'method' | 'ip' | 'req'>;

const exempt = (path: string) => path === '/healthz' || path === '/readyz' || path.startsWith('/internal/');
const isPurchase = (ctx: RateLimitedRequest) => ctx.method === 'POST' && ctx.path.startsWith('/purchase/');

export class RateLimits {
  private readonly requests?: RateLimiterAbstract;
  private readonly purchases?: RateLimiterAbstract;
  private readonly redis?: ReturnType<typeof createClient>;
  /** Requests the fast path already counted before it handed them to the chain after all. */
  private readonly counted = new WeakSet<IncomingMessage>();

  constructor(opts: RateLimitOptions) {
    if (opts.redisUrl && (opts.requests > 0 || opts.purchases > 0)) {
      this.redis = createClient({ url: opts.redisUrl, database: 1 });
      this.redis.on('error', (err: Error) => opts.log.warn({ err }, 'rate limits: Redis error'));
      void this.redis.connect().catch(() => undefined); // reconnects by itself; insurance counts meanwhile
    }
    const limiter = (name: string, points: number): RateLimiterAbstract | undefined => {
      if (points === 0) return undefined;
      const local = new RateLimiterMemory({ keyPrefix: name, points, duration: opts.windowS });
      if (!this.redis) return local;
      return new RateLimiterRedis({
        storeClient: this.redis,
        useRedisPackage: true,
        rejectIfRedisNotReady: true,
        keyPrefix: `bazar:rl:${name}`,
        points,
        duration: opts.windowS,
        insuranceLimiter: local,
      });
    };
    this.requests = limiter('requests', opts.requests);
    this.purchases = limiter('purchases', opts.purchases);
  }

  /** Whether any limit is on: without one, check never refuses and need not be awaited. */
  get active(): boolean {
    return this.requests !== undefined || this.purchases !== undefined;
  }

  /** Counts this request against its client's limits (once, however many times it is asked); 429 when one is spent. */
  async check(ctx: RateLimitedRequest): Promise<void> {
    if (exempt(ctx.path) || this.counted.delete(ctx.req)) return;
    const client = ctx.ip;
    await consume(this.requests, client, 'requests');
    if (isPurchase(ctx)) await consume(this.purchases, client, 'purchases');
  }

  /** This request was counted (and allowed): a later check of it lets it through without counting again. */
  alreadyCounted(req: IncomingMessage): void {
    this.counted.add(req);
  }

  async close(): Promise<void> {
    if (this.redis?.isOpen) await this.redis.close();
  }
}

async function consume(limiter: RateLimiterAbstract | undefined, client: string, what: string) {
  if (!limiter) return;
  try {
    await limiter.consume(client);
  } catch (res) {
    if (!(res instanceof RateLimiterRes)) throw res;
    const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    throw new AppError(
      429,
      'rate_limited',
      `too many ${what} from this client (at most ${limiter.points} per ${limiter.duration} s); retry in ${seconds} s`,
    ).withHeader('Retry-After', String(seconds));
  }
}
