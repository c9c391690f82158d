// Prometheus metrics of a frontend pod: process defaults plus the cache's counters, read at scrape time.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { BookCache, CacheCounters } from './domain/book-cache';
import type { CacheStore } from './domain/cache-store';

export function createMetrics(cache: BookCache, store: CacheStore): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const counter = (name: string, help: string, read: (c: CacheCounters) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read(cache.counters));
      },
    });
  counter('bazar_cache_hits_total', 'cached reads answered from the cache', (c) => c.hits);
  counter('bazar_cache_misses_total', 'cached reads that went upstream', (c) => c.misses);
  counter(
    'bazar_cache_invalidations_total',
    'invalidations received from catalog pods',
    (c) => c.invalidations,
  );
  counter(
    'bazar_cache_stale_fills_rejected_total',
    'fills refused because a newer version was announced',
    (c) => c.staleFillsRejected,
  );
  new Gauge({
    name: 'bazar_cache_entries',
    help: 'entries in the cache store',
    registers: [registry],
    async collect() {
      this.set(await store.entries());
    },
  });
  new Gauge({
    name: 'bazar_cache_evictions',
    help: 'entries evicted by the store for lack of room',
    registers: [registry],
    async collect() {
      this.set(await store.evictions());
    },
  });
  return registry;
}
