// The frontend's Prometheus metrics, in the process registry served at /metrics: the cache's counters (read at
// scrape time) and purchase outcomes.
import { metricsRegistry, observedCounter } from '@bazar/common';
import { Counter, Gauge } from 'prom-client';
import type { FastHits } from './api/fast-hits';
import type { BookCache } from './domain/book-cache';
import type { CacheStore } from './domain/cache-store';

export const purchases = new Counter({
  name: 'bazar_purchases_total',
  help: 'purchases through this frontend, by outcome (created, replayed, out_of_stock, not_found, failed)',
  labelNames: ['outcome'],
  registers: [metricsRegistry],
});

export function registerCacheMetrics(cache: BookCache, store: CacheStore, fastHits: FastHits): void {
  const c = cache.counters;
  observedCounter('bazar_cache_hits_total', 'cached reads answered from the cache', () => c.hits);
  observedCounter(
    'bazar_cache_fast_hits_total',
    'of those, hits answered ahead of the middleware chain, from entries kept as bytes (memory store only)',
    () => fastHits.served,
  );
  observedCounter('bazar_cache_misses_total', 'cached reads that went upstream', () => c.misses);
  observedCounter(
    'bazar_cache_invalidations_total',
    'invalidations received from catalog pods',
    () => c.invalidations,
  );
  observedCounter(
    'bazar_cache_stale_fills_rejected_total',
    'fills refused because a newer version had been announced',
    () => c.staleFillsRejected,
  );
  observedCounter(
    'bazar_cache_rejected_entries_total',
    'entries read from Redis that were not a well-formed book or search page (taken for a miss, never served)',
    () => store.rejected(),
  );
  const storeGauge = (name: string, help: string, read: () => Promise<number>) =>
    new Gauge({
      name,
      help,
      registers: [metricsRegistry],
      async collect() {
        this.set(await read());
      },
    });
  storeGauge('bazar_cache_entries', 'entries in the cache store', () => store.entries());
  storeGauge('bazar_cache_evictions', 'entries the store evicted for lack of room', () => store.evictions());
}
