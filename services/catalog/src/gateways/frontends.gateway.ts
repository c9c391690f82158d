// Pushes cache invalidations to every frontend pod before a write is acknowledged. Each push has a few quick
// retries, and the whole fan-out a short deadline: a pod that cannot be reached is counted and logged and never
// holds the write back longer than that; it then serves the old value for at most its cache TTL (I4).
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '@bazar/common';
import { Pool } from 'undici';

export interface Invalidation {
  bookId: number;
  topic: string;
  version: number;
}

export interface InvalidationPublisher {
  publish(inv: Invalidation): Promise<void>;
}

export interface FrontendsGatewayOptions {
  /** Current frontend pod base URLs (from DNS or a static list). */
  frontends: () => string[];
  token: string;
  deadlineMs: number;
  attempts: number;
  log: Logger;
}

export class FrontendsGateway implements InvalidationPublisher {
  readonly stats = { delivered: 0, undelivered: 0 };
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly opts: FrontendsGatewayOptions) {}

  async publish(inv: Invalidation): Promise<void> {
    const targets = this.opts.frontends();
    this.prunePools(targets);
    const deadline = AbortSignal.timeout(this.opts.deadlineMs);
    await Promise.all(targets.map((url) => this.pushTo(url, inv, deadline)));
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }

  private async pushTo(url: string, inv: Invalidation, deadline: AbortSignal): Promise<void> {
    const body = JSON.stringify(inv);
    let problem = '';
    for (let attempt = 1; attempt <= this.opts.attempts && !deadline.aborted; attempt++) {
      try {
        const res = await this.pool(url).request({
          method: 'POST',
          path: '/internal/invalidations',
          headers: { authorization: `Bearer ${this.opts.token}`, 'content-type': 'application/json' },
          body,
          signal: deadline,
        });
        await res.body.dump();
        if (res.statusCode === 204) {
          this.stats.delivered++;
          return;
        }
        problem = `answered ${res.statusCode}`;
      } catch (err) {
        problem = err instanceof Error ? err.message : String(err);
      }
      await delay(20 * attempt, undefined, { signal: deadline }).catch(() => undefined);
    }
    this.stats.undelivered++;
    this.opts.log.warn(
      { frontend: url, bookId: inv.bookId, version: inv.version, problem },
      'invalidation not delivered; that pod may serve the old value until its cache TTL',
    );
  }

  private pool(url: string): Pool {
    let pool = this.pools.get(url);
    if (!pool) this.pools.set(url, (pool = new Pool(url, { connections: 8, keepAliveTimeout: 30_000 })));
    return pool;
  }

  private prunePools(current: string[]): void {
    for (const [url, pool] of this.pools) {
      if (!current.includes(url)) {
        this.pools.delete(url);
        void pool.close();
      }
    }
  }
}
