// What the frontend's cache entries cost in memory, without the HTTP around them: one fresh process fills
// BookCache (the frontend's own compiled code, over its memory store) with ENTRIES generated books through
// getBook, as many misses at once as the bench's fill has connections, each loaded by parsing the JSON a catalog
// pod sends; then, 2 s later (nothing forced), it prints its RSS and V8 heap as one JSON line.
// STORE=objects keeps the entries as keyv over lru.min held them before issue 12 (objects), for comparison.
//   ENTRIES=1000000 node loadtest/bench/store-memory.mjs
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import Keyv from 'keyv';
import { createLRU } from 'lru.min';
import { bookFor } from './generate-catalog.mjs';

const require = createRequire(import.meta.url);
const { BookCache } = require('../../services/frontend/dist/src/domain/book-cache.js');
const { createCacheStore } = require('../../services/frontend/dist/src/data-access/cache-stores.js');

const entries = Number(process.env.ENTRIES ?? 100_000);
const concurrency = Number(process.env.CONCURRENCY ?? 32);

/** The memory store as it was: keyv's `{value, expires}` records around the book objects. */
function objectStore(max) {
  const lru = createLRU({ max });
  const store = {
    get: (k) => lru.get(k),
    has: (k) => lru.has(k),
    delete: (k) => lru.delete(k),
    clear: () => lru.clear(),
    set: (k, v) => (lru.set(k, v), store),
  };
  const keyv = new Keyv({
    store,
    ttl: 900_000,
    namespace: 'bazar',
    useKeyPrefix: false,
    serialize: undefined,
  });
  return { kind: 'memory', keyv, entries: async () => lru.size };
}

const store =
  process.env.STORE === 'objects'
    ? objectStore(entries)
    : createCacheStore({ kind: 'memory', maxEntries: entries, ttlMs: 900_000 });
const cache = new BookCache(store, { valid: () => true, epoch: 0 });
const wire = (id) =>
  JSON.stringify({ ...bookFor(id, 100), price: Number(bookFor(id, 100).price), version: 1 });

const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < entries) {
      const id = ++next;
      await cache.getBook(id, async () => JSON.parse(wire(id)));
    }
  }),
);
const fillMs = performance.now() - started;
await sleep(2_000);
const m = process.memoryUsage();
const mb = (bytes) => bytes / 1e6;
process.stdout.write(
  `${JSON.stringify({
    store: process.env.STORE === 'objects' ? 'objects' : 'bytes',
    entries: await store.entries(),
    fillMs,
    rss: mb(m.rss),
    heapUsed: mb(m.heapUsed),
    heapTotal: mb(m.heapTotal),
    external: mb(m.external), // Buffers included
  })}\n`,
);
