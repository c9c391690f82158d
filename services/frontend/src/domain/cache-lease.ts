// The frontend's cache lease (DESIGN I2, I4): this pod serves cache hits only while it holds a fresh lease from
// every catalog pod it knows. It asks each one every CACHE_LEASE_RENEW_MS, and counts each lease from the moment
// it asked, so its lease ends before the catalog pod's record of it does. A catalog pod that cannot tell this pod
// about a write stops granting and waits until its record runs out before it acknowledges the write; this pod has
// stopped serving hits by then. When a lease comes back after a gap, writes may have been missed meanwhile: the
// cache is wiped (and the epoch counted up, so loads that started before are not stored) before hits resume.
// Shutting down, the pod stops serving hits first, then releases its leases at every catalog pod, so that no write
// waits out a lease of a pod that is gone.
import { performance } from 'node:perf_hooks';
import type { Logger } from '@bazar/common';
import type { CacheLeaseView } from './book-cache';

export interface CacheLeaseOptions {
  /** The catalog pods (their URLs), each of which must have granted a lease. */
  writers: () => string[];
  /** Asks one catalog pod for a lease: its length in ms, or null when refused. Throws when there is no answer. */
  ask: (writer: string) => Promise<number | null>;
  /** Tells one catalog pod that this pod's leases end now. Throws when there is no answer. */
  release: (writer: string) => Promise<void>;
  renewMs: number;
  /** Forgets everything cached (BookCache.wipe). */
  wipe: () => Promise<void>;
  log: Logger;
}

export class CacheLease implements CacheLeaseView {
  epoch = 0;
  readonly stats = { renewals: 0, refusals: 0, lapses: 0 };
  private readonly until = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private wiping: Promise<void> | undefined;
  private released = false;

  constructor(private readonly opts: CacheLeaseOptions) {}

  valid(): boolean {
    const now = performance.now();
    const writers = this.opts.writers();
    return !this.released && writers.length > 0 && writers.every((w) => (this.until.get(w) ?? 0) > now);
  }

  /** Asks every catalog pod once, then keeps renewing in the background. */
  async start(): Promise<void> {
    await this.renewAll();
    const tick = () => {
      this.timer = setTimeout(() => void this.renewAll().finally(tick), this.opts.renewMs);
      this.timer.unref();
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /**
   * For shutting down: no hit is served from now on, then each catalog pod is told (bounded, best effort: one that
   * does not hear it holds its next write back by at most a lease, as for a pod that vanished).
   */
  async release(): Promise<void> {
    this.released = true;
    this.stop();
    this.until.clear();
    const writers = this.opts.writers();
    const results = await Promise.allSettled(writers.map((w) => this.opts.release(w)));
    const missed = writers.filter((_, i) => results[i]!.status === 'rejected');
    if (missed.length > 0)
      this.opts.log.warn({ writers: missed }, 'cache lease not released at some catalog pods');
    else this.opts.log.info({ writers: writers.length }, 'cache leases released');
  }

  /** Milliseconds of lease left from each catalog pod (negative: lapsed), for the ops panel. */
  snapshot(): Record<string, number> {
    const now = performance.now();
    return Object.fromEntries(
      this.opts.writers().map((w) => [w, Math.round((this.until.get(w) ?? now) - now)]),
    );
  }

  private async renewAll(): Promise<void> {
    await Promise.all(this.opts.writers().map((w) => this.renewFrom(w)));
  }

  private async renewFrom(writer: string): Promise<void> {
    const asked = performance.now();
    let leaseMs: number | null;
    try {
      leaseMs = await this.opts.ask(writer);
    } catch (err) {
      this.opts.log.debug(
        { writer, err: err instanceof Error ? err.message : String(err) },
        'no cache lease',
      );
      return; // the lease from this writer runs out on its own
    }
    if (leaseMs === null) {
      this.stats.refusals++;
      return;
    }
    if (this.released) return;
    if ((this.until.get(writer) ?? 0) <= performance.now()) await this.recoverFromLapse(writer);
    this.until.set(writer, asked + leaseMs);
    this.stats.renewals++;
  }

  /** Once per gap, however many writers end it at once: count the epoch up, then wipe. */
  private recoverFromLapse(writer: string): Promise<void> {
    this.wiping ??= (async () => {
      this.epoch++;
      this.stats.lapses++;
      if (this.stats.lapses > 1) this.opts.log.warn({ writer }, 'cache lease lapsed: wiping the cache');
      await this.opts.wipe();
    })().finally(() => (this.wiping = undefined));
    return this.wiping;
  }
}
