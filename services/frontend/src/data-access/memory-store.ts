// The in-memory cache store: a bounded LRU (lru.min) under keyv, whose entries are kept serialised: the JSON
// body, written once when the entry is filled, and the book's version (what the tombstone check needs). A hit then
// sends those bytes as they are (`peek`, read synchronously by the fast path of fast-hits.ts), and the heap holds
// one small record and one buffer per entry instead of a graph of objects and strings. keyv's own `get` (the
// chain's path, rarely taken for a hit) parses the body back into the object that was stored.
import { Buffer } from 'node:buffer';
import Keyv from 'keyv';
import { createLRU } from 'lru.min';
import type { CacheStore, CacheStoreOptions, ReadyEntry } from '../domain/cache-store';

/** One entry as stored: what keyv wrapped (`{value, expires}`), with the value serialised. */
class SerialisedEntry implements ReadyEntry {
  constructor(
    readonly body: Buffer,
    readonly version: number,
    readonly expires: number | undefined,
  ) {}
}

interface KeyvRecord {
  value: unknown;
  expires?: number;
}

function serialise(record: KeyvRecord): SerialisedEntry {
  const { value } = record;
  const version = (value as { version?: unknown } | null)?.version;
  // Buffer.from copies small bodies into Node's shared pool: no backing store of its own per entry.
  return new SerialisedEntry(
    Buffer.from(JSON.stringify(value)),
    typeof version === 'number' ? version : 0,
    record.expires,
  );
}

export function memoryStore(opts: CacheStoreOptions): CacheStore {
  const lru = createLRU<string, SerialisedEntry>({ max: opts.maxEntries });
  let evicted = 0;
  // lru.min reports deletes as evictions too; count only inserts that push the oldest entry out.
  const store = {
    get: (key: string): KeyvRecord | undefined => {
      const entry = lru.get(key);
      return entry && { value: JSON.parse(entry.body.toString()), expires: entry.expires };
    },
    has: (key: string) => lru.has(key),
    delete: (key: string) => lru.delete(key),
    clear: () => lru.clear(),
    set: (key: string, record: KeyvRecord) => {
      if (!lru.has(key) && lru.size >= lru.max) evicted++;
      lru.set(key, serialise(record));
      return store;
    },
  };
  // keyv hands the store its `{value, expires}` record as is (no serialize step) and drops expired ones on read.
  const keyv = new Keyv({
    store,
    ttl: opts.ttlMs,
    namespace: 'bazar',
    useKeyPrefix: false,
    serialize: undefined,
    deserialize: undefined,
  });
  return {
    kind: 'memory',
    keyv,
    peek: (key) => {
      const entry = lru.get(key);
      if (entry?.expires !== undefined && entry.expires < Date.now()) return undefined; // keyv drops it on its next read
      return entry;
    },
    entries: async () => lru.size,
    evictions: async () => evicted,
    ping: async () => true,
    close: async () => undefined,
    rejected: () => 0, // only this process writes it
  };
}
