// Tells every frontend pod about a write to a book, twice: before the commit that a write is in flight (the pods
// then neither serve nor fill that book from their caches, and read it from the primary), and after it, the new
// version (the pods drop the old entry). Both pushes have a few quick retries within INVALIDATION_DEADLINE_MS. A
// pod that cannot be told is fenced: this catalog pod stops granting it cache leases, and the write waits until
// the last lease granted there has run out, so that pod serves no cache hit older than the write (I2, I4, I12).
// With every pod reachable, nothing waits. A pod that released its leases (shutting down) is not told; one that
// left discovery while holding a lease is told until that lease ends (CacheLeaseGrants.toTell).
import { setTimeout as delay } from 'node:timers/promises';
import { busy, bySignal, type Logger } from '@bazar/common';
import { Pool } from 'undici';
import type { CacheLeaseGrants } from '../domain/cache-leases';

export interface WriteInFlight {
  bookId: number;
  writeId: string;
  /** How long the frontends keep the mark if the new version never comes (the writer died): then they drop the entry. */
  ttlMs: number;
}

export interface Invalidation {
  bookId: number;
  topic: string;
  version: number;
  /** The write this ends (its mark goes); absent for a replayed reservation, which wrote nothing now. */
  writeId?: string;
}

/** What the catalog's rules need from the frontends: the two pushes around a write. */
export interface WriteAnnouncer {
  /**
   * Tells every frontend pod the write is in flight. When a pod cannot be told and waiting out its lease would take
   * longer than `maxWaitMs` (what the write's deadline leaves), rejects at once with 503 busy: nothing was written,
   * and the caller still has its time to try another catalog pod.
   */
  prepare(write: WriteInFlight, maxWaitMs?: number): Promise<void>;
  publish(inv: Invalidation): Promise<void>;
  /** Pushes delivered and not, and the writes held back waiting out a lost pod's lease (exported as metrics). */
  readonly stats: FanoutStats;
}

export interface FanoutStats {
  delivered: number;
  undelivered: number;
  fenceWaits: number;
  fenceWaitMs: number;
  /** Writes refused with 503 busy because waiting out a fenced pod's lease would have outlasted their deadline. */
  fenceRefusals: number;
}

export interface InvalidationFanoutOptions {
  /** Current frontend pod base URLs (from DNS or a static list). */
  frontends: () => string[];
  leases: CacheLeaseGrants;
  token: string;
  deadlineMs: number;
  attempts: number;
  /** How often fenced pods are probed (POST /internal/writes/probe) to lift their fence. */
  probeIntervalMs: number;
  log: Logger;
}

export class InvalidationFanout implements WriteAnnouncer {
  readonly stats: FanoutStats = {
    delivered: 0,
    undelivered: 0,
    fenceWaits: 0,
    fenceWaitMs: 0,
    fenceRefusals: 0,
  };
  private readonly pools = new Map<string, Pool>();

  private readonly probe: NodeJS.Timeout;

  constructor(private readonly opts: InvalidationFanoutOptions) {
    // A fenced pod is probed until a push reaches it again, so it gets leases back even without new writes.
    this.probe = setInterval(() => void this.probeFenced(), opts.probeIntervalMs);
    this.probe.unref();
  }

  prepare(write: WriteInFlight, maxWaitMs = Infinity): Promise<void> {
    return this.tellAll('/internal/writes', write, `write to book ${write.bookId} in flight`, maxWaitMs);
  }

  publish(inv: Invalidation): Promise<void> {
    return this.tellAll('/internal/invalidations', inv, `book ${inv.bookId} at version ${inv.version}`);
  }

  async close(): Promise<void> {
    clearInterval(this.probe);
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }

  /** Pushes to every pod; fences those that could not be told and waits out their leases. */
  private async tellAll(path: string, message: object, what: string, maxWaitMs = Infinity): Promise<void> {
    const targets = this.opts.leases.toTell(this.opts.frontends());
    this.prunePools(targets);
    const deadline = AbortSignal.timeout(this.opts.deadlineMs);
    const told = await Promise.all(targets.map((url) => this.pushTo(url, path, message, deadline)));
    const missed = targets.filter((_, i) => !told[i]);
    if (missed.length === 0) return;
    const waitMs = Math.max(...missed.map((url) => this.opts.leases.fence(url)));
    this.opts.log.warn({ frontends: missed, what, waitMs }, 'frontend pods not told of a write: fenced them');
    // Waiting would outlast the write's deadline (a catalog pod that just started must wait for frontend pods it
    // never leased to, DISCOVERY_REFRESH_MS + a lease): refuse now, while the caller can still go elsewhere.
    if (waitMs > maxWaitMs) {
      this.stats.fenceRefusals++;
      throw busy(
        `a frontend pod cannot be told of this write in time (its lease ends in ${Math.ceil(waitMs)} ms)`,
      );
    }
    if (waitMs > 0) {
      this.stats.fenceWaits++;
      this.stats.fenceWaitMs += waitMs;
      await delay(waitMs);
    }
  }

  private async pushTo(
    url: string,
    path: string,
    message: object,
    deadline: AbortSignal,
    quiet = false,
  ): Promise<boolean> {
    const body = JSON.stringify(message);
    let problem = '';
    for (let attempt = 1; attempt <= this.opts.attempts && !deadline.aborted; attempt++) {
      try {
        // bySignal: undici honours the signal only once a connection exists; a deleted pod's address, which
        // answers no SYN, would otherwise hold the push (and the write waiting for it) for the connect timeout.
        const res = await bySignal(
          this.pool(url).request({
            method: 'POST',
            path,
            headers: { authorization: `Bearer ${this.opts.token}`, 'content-type': 'application/json' },
            body,
            signal: deadline,
          }),
          deadline,
        );
        await res.body.dump();
        if (res.statusCode === 204) {
          this.stats.delivered++;
          this.opts.leases.reached(url);
          return true;
        }
        problem = `answered ${res.statusCode}`;
      } catch (err) {
        problem = err instanceof Error ? err.message : String(err);
      }
      await delay(20 * attempt, undefined, { signal: deadline }).catch(() => undefined);
    }
    if (quiet) return false;
    this.stats.undelivered++;
    this.opts.log.warn({ frontend: url, path, problem }, 'push to a frontend pod failed');
    return false;
  }

  private async probeFenced(): Promise<void> {
    const fenced = this.opts.leases.fencedPods.filter((url) => this.opts.frontends().includes(url));
    const deadline = AbortSignal.timeout(this.opts.deadlineMs);
    await Promise.all(fenced.map((url) => this.pushTo(url, '/internal/writes/probe', {}, deadline, true)));
  }

  private pool(url: string): Pool {
    let pool = this.pools.get(url);
    if (!pool) {
      // Connecting is bounded too (undici's default is 10 s), so sockets to a vanished pod do not linger.
      const connect = { timeout: Math.max(this.opts.deadlineMs, 100) };
      this.pools.set(url, (pool = new Pool(url, { connections: 8, keepAliveTimeout: 30_000, connect })));
    }
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
