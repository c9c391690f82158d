// The cache store a frontend pod runs with (CACHE_STORE): memory (default) or Redis.
import type { CacheStore, CacheStoreOptions } from '../domain/cache-store';
import { memoryStore } from './memory-store';
import { redisStore } from './redis-store';

export function createCacheStore(opts: CacheStoreOptions): CacheStore {
  return opts.kind === 'redis' ? redisStore(opts) : memoryStore(opts);
}
