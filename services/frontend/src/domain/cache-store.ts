// What the cache needs from where its entries live (the port; the stores are in data-access/: a bounded in-memory
// LRU by default, or a Redis shared by every frontend pod). Both are keyv stores with the same TTL, and report what
// /cache/stats needs.
import type { Buffer } from 'node:buffer';
import type Keyv from 'keyv';

/** An entry as ready-to-send bytes: its JSON body and (for a book) the version the tombstone check compares. */
export interface ReadyEntry {
  readonly body: Buffer;
  readonly version: number;
}

export interface CacheStore {
  kind: 'memory' | 'redis';
  keyv: Keyv;
  entries(): Promise<number>;
  evictions(): Promise<number>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
  /** Entries read from the store that were not a well-formed book or search page, and were taken for a miss. */
  rejected(): number;
  /**
   * The memory store only: the entry under `key` as serialised bytes, read synchronously (undefined when absent or
   * expired). Redis has no such read: its hits all go the chain's way, through keyv.
   */
  peek?(key: string): ReadyEntry | undefined;
}

export interface CacheStoreOptions {
  kind: 'memory' | 'redis';
  maxEntries: number;
  ttlMs: number;
  redisUrl?: string;
}
