// The frontend's cache of book info and topic searches, with the rules that keep it correct:
// - book entries carry the book's version; each invalidation leaves a per-book tombstone (the version it
//   announced), and an entry older than its tombstone is never stored (I3) nor served;
// - concurrent misses for one key share one upstream call, but a request arriving after an invalidation never
//   joins a load that started before it;
// - search entries of a topic are dropped when any book of that topic changes, and a search load that was in
//   flight across such an invalidation is not stored;
// - hits are served and fills stored only while this pod holds its cache lease (CacheLease), and nothing filled
//   before a lapse of the lease survives it (I2 with no TTL exception);
// - while a write to a book is in flight (its writer said so before committing), that book is neither served
//   nor filled from the cache: it is read from the primary, so all pods agree (I12, linearizable per book).
import { annotate, type TestGate } from '@bazar/common';
import { createLRU } from 'lru.min';
import type { CacheStore, ReadyEntry } from './cache-store';

export interface Versioned {
  version: number;
}

export interface Invalidation {
  bookId: number;
  topic: string;
  version: number;
  /** The write whose in-flight mark this ends. */
  writeId?: string;
}

/** A writer's notice, before it commits, that a write to a book is in flight. */
export interface WriteMark {
  bookId: number;
  writeId: string;
  /** If the new version never comes (the writer died), the mark ends after this and the entry is dropped. */
  ttlMs: number;
}

/** What the cache needs of the lease: whether it holds now, and a count of the lapses it came back from. */
export interface CacheLeaseView {
  valid(): boolean;
  readonly epoch: number;
}

export interface CacheResult<T> {
  value: T;
  hit: boolean;
}

export interface CacheCounters {
  hits: number;
  misses: number;
  invalidations: number;
  staleFillsRejected: number;
}

const bookKey = (id: number) => `book:${id}`;
const topicOf = (topic: string) => topic.trim().toLowerCase();
const searchKey = (topic: string, variant: string) => `search:${topic}:${variant}`;

export class BookCache {
  readonly counters: CacheCounters = { hits: 0, misses: 0, invalidations: 0, staleFillsRejected: 0 };
  /** bookId → newest version announced by an invalidation. */
  private readonly tombstones = createLRU<number, number>({ max: 100_000 });
  /** topic → search keys this pod has filled or served, so an invalidation can drop them. */
  private readonly searchKeys = createLRU<string, Set<string>>({ max: 10_000 });
  /** topic → count of invalidations seen, to spot a search load that raced one. */
  private readonly topicEpochs = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** bookId → writes in flight to it (writeId → the timer that ends the mark if the new version never comes). */
  private readonly writing = new Map<number, Map<string, NodeJS.Timeout>>();

  constructor(
    private readonly store: CacheStore,
    private readonly lease: CacheLeaseView,
    private readonly gate?: TestGate,
  ) {}

  /** `load(fromPrimary)` reads the book upstream; `fromPrimary` while a write to it is in flight. */
  async getBook<T extends Versioned>(
    id: number,
    load: (fromPrimary: boolean) => Promise<T>,
  ): Promise<CacheResult<T>> {
    const key = bookKey(id);
    const inFlight = this.writing.has(id);
    const leased = this.lease.valid();
    const usable = !inFlight && leased;
    const cached = usable ? ((await this.store.keyv.get(key)) as T | undefined) : undefined;
    // Checked again after the store's read: the lease may have lapsed (and the cache been wiped) meanwhile.
    const hit = cached !== undefined && cached.version >= this.tombstone(id) && this.lease.valid();
    annotate({ 'bazar.cache.key': key, 'bazar.cache.hit': hit, 'bazar.book.version': cached?.version });
    if (cached && hit) {
      this.counters.hits++;
      return { value: cached, hit: true };
    }
    this.counters.misses++;
    annotate({ 'bazar.cache.write_in_flight': inFlight, 'bazar.cache.leased': leased });
    // A write in flight: every pod reads the primary until its new version comes, and nobody fills.
    if (inFlight) return { value: await load(true), hit: false };
    const epoch = this.lease.epoch;
    const value = await this.coalesce(key, async () => {
      const fresh = await load(false);
      annotate({ 'bazar.book.version': fresh.version });
      await this.gate?.pass();
      if (this.mayFill(epoch) && !this.writing.has(id)) await this.fillBook(key, id, fresh);
      return fresh;
    });
    return { value, hit: false };
  }

  async getSearch<T>(topic: string, variant: string, load: () => Promise<T>): Promise<CacheResult<T>> {
    const t = topicOf(topic);
    const key = searchKey(t, variant);
    const cached = this.lease.valid() ? ((await this.store.keyv.get(key)) as T | undefined) : undefined;
    annotate({ 'bazar.cache.key': key, 'bazar.cache.hit': cached !== undefined });
    if (cached !== undefined && this.lease.valid()) {
      this.counters.hits++;
      this.remember(t, key);
      return { value: cached, hit: true };
    }
    this.counters.misses++;
    const leaseEpoch = this.lease.epoch;
    const value = await this.coalesce(key, async () => {
      const epoch = this.topicEpochs.get(t) ?? 0;
      const fresh = await load();
      await this.gate?.pass();
      if ((this.topicEpochs.get(t) ?? 0) !== epoch || !this.mayFill(leaseEpoch))
        this.counters.staleFillsRejected++;
      else {
        this.remember(t, key);
        await this.store.keyv.set(key, fresh);
      }
      return fresh;
    });
    return { value, hit: false };
  }

  /**
   * The book's entry as bytes, when getBook would answer it as a hit this very moment (lease held, no write in
   * flight, not older than its tombstone) and the store can be read without waiting (the memory store). `take`
   * counts the hit; without it this only asks. Anything else is undefined: the request goes getBook's way.
   */
  readyBook(id: number, take: boolean): ReadyEntry | undefined {
    if (!this.store.peek || this.writing.has(id) || !this.lease.valid()) return undefined;
    const key = bookKey(id);
    const entry = this.store.peek(key);
    if (entry === undefined || entry.version < this.tombstone(id)) return undefined;
    if (take) {
      this.counters.hits++;
      annotate({ 'bazar.cache.key': key, 'bazar.cache.hit': true, 'bazar.book.version': entry.version });
    }
    return entry;
  }

  /** The same for a search page (getSearch's rules): its `{items, nextCursor}` as bytes. */
  readySearch(topic: string, variant: string, take: boolean): ReadyEntry | undefined {
    if (!this.store.peek || !this.lease.valid()) return undefined;
    const t = topicOf(topic);
    const key = searchKey(t, variant);
    const entry = this.store.peek(key);
    if (entry === undefined) return undefined;
    if (take) {
      this.counters.hits++;
      this.remember(t, key);
      annotate({ 'bazar.cache.key': key, 'bazar.cache.hit': true });
    }
    return entry;
  }

  /** A write to a book is in flight: from now until its invalidation, the book bypasses the cache. */
  markWrite(mark: WriteMark): void {
    const marks = this.writing.get(mark.bookId) ?? new Map<string, NodeJS.Timeout>();
    this.writing.set(mark.bookId, marks);
    clearTimeout(marks.get(mark.writeId));
    const expire = setTimeout(() => {
      // The writer never said how it ended: whatever is cached for the book may be older than its commit.
      this.endMark(mark.bookId, mark.writeId);
      void this.store.keyv.delete(bookKey(mark.bookId)).catch(() => undefined);
    }, mark.ttlMs);
    marks.set(mark.writeId, expire.unref());
    this.inflight.delete(bookKey(mark.bookId)); // no one joins a load that started before the mark
  }

  /** Forgets everything cached: called when the lease comes back after a lapse (writes may have been missed). */
  async wipe(): Promise<void> {
    this.inflight.clear();
    this.searchKeys.clear();
    await this.store.keyv.clear();
  }

  /** Applies an invalidation pushed by a catalog pod; resolves once nothing older can be served or stored. */
  async invalidate(inv: Invalidation): Promise<void> {
    this.counters.invalidations++;
    const key = bookKey(inv.bookId);
    if (inv.version > this.tombstone(inv.bookId)) this.tombstones.set(inv.bookId, inv.version);
    this.inflight.delete(key); // later requests start a fresh load instead of joining an older one
    const t = topicOf(inv.topic);
    this.topicEpochs.set(t, (this.topicEpochs.get(t) ?? 0) + 1);
    const searchKeys = [...(this.searchKeys.get(t) ?? [])];
    this.searchKeys.delete(t);
    for (const k of searchKeys) this.inflight.delete(k);
    await this.store.keyv.deleteMany([key, ...searchKeys]);
    if (inv.writeId) this.endMark(inv.bookId, inv.writeId); // the old entry is gone: the book may be cached again
  }

  private endMark(bookId: number, writeId: string): void {
    const marks = this.writing.get(bookId);
    if (!marks) return;
    clearTimeout(marks.get(writeId));
    marks.delete(writeId);
    if (marks.size === 0) this.writing.delete(bookId);
  }

  /** A load that started in lease epoch `epoch` may be stored: the lease holds and has not lapsed since. */
  private mayFill(epoch: number): boolean {
    return this.lease.valid() && this.lease.epoch === epoch;
  }

  private tombstone(id: number): number {
    return this.tombstones.get(id) ?? 0;
  }

  private async fillBook<T extends Versioned>(key: string, id: number, fresh: T): Promise<void> {
    if (fresh.version < this.tombstone(id)) {
      this.counters.staleFillsRejected++;
      return;
    }
    await this.store.keyv.set(key, fresh);
    // An invalidation may have landed while the store was writing: take back what is now known to be old.
    if (fresh.version < this.tombstone(id)) {
      this.counters.staleFillsRejected++;
      await this.store.keyv.delete(key);
    }
  }

  private remember(topic: string, key: string): void {
    const keys = this.searchKeys.get(topic) ?? new Set<string>();
    if (keys.size < 1_000) keys.add(key); // beyond that, entries of this topic expire by TTL only
    this.searchKeys.set(topic, keys);
  }

  private coalesce<T>(key: string, load: () => Promise<T>): Promise<T> {
    const running = this.inflight.get(key) as Promise<T> | undefined;
    if (running) return running;
    const started = load().finally(() => {
      if (this.inflight.get(key) === started) this.inflight.delete(key);
    });
    this.inflight.set(key, started);
    return started;
  }
}
