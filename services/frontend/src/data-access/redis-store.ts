// The Redis cache store, shared by every frontend pod (CACHE_STORE=redis): keyv over @keyv/redis, and every entry
// read back checked to be one this service wrote.
import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import { z } from 'zod';
import type { CacheStore, CacheStoreOptions } from '../domain/cache-store';

export function redisStore(opts: CacheStoreOptions): CacheStore {
  if (!opts.redisUrl) throw new Error('REDIS_URL is required when CACHE_STORE=redis');
  const redis = new KeyvRedis(opts.redisUrl, { throwOnConnectError: false, throwOnErrors: false });
  let rejected = 0;
  const keyv = new Keyv({
    store: redis,
    ttl: opts.ttlMs,
    namespace: 'bazar',
    deserialize: <Value>(raw: string) => {
      const entry = wellFormedEntry(raw);
      if (!entry) rejected++;
      return entry as { value: Value; expires?: number } | undefined;
    },
  });
  // getClient() connects on first use (and after a reconnect), unlike the bare `client` property.
  const client = async () =>
    (await redis.getClient()) as unknown as {
      dbSize(): Promise<number>;
      info(section: string): Promise<string>;
      ping(): Promise<string>;
    };
  return {
    kind: 'redis',
    keyv,
    // The Redis database is Bazar's alone, so its key count is the entry count.
    entries: async () => (await client()).dbSize(),
    evictions: async () => Number(/evicted_keys:(\d+)/.exec(await (await client()).info('stats'))?.[1] ?? 0),
    ping: async () => (await (await client()).ping()) === 'PONG',
    close: () => redis.disconnect(),
    rejected: () => rejected,
  };
}

// What a Redis entry may hold: keyv's envelope around a book or a page of search results, exactly as this service
// writes them. Anything else (garbage, or a value someone with access to Redis wrote by hand) is never served: it
// reads as a miss, and the next fill overwrites it.
const bookEntry = z.strictObject({
  id: z.number().int().positive(),
  title: z.string(),
  topic: z.string(),
  price: z.number().nonnegative(),
  quantity: z.number().int().nonnegative(),
  version: z.number().int().positive(),
});
const searchEntry = z.strictObject({
  items: z.array(z.strictObject({ id: z.number().int().positive(), title: z.string() })),
  nextCursor: z.string().nullable(),
});
const envelope = z.strictObject({
  value: z.union([bookEntry, searchEntry]),
  expires: z.number().nullable().optional(),
});

function wellFormedEntry(raw: string): { value: unknown; expires?: number } | undefined {
  try {
    const parsed = envelope.safeParse(JSON.parse(raw));
    return parsed.success
      ? { value: parsed.data.value, expires: parsed.data.expires ?? undefined }
      : undefined;
  } catch {
    return undefined; // not JSON
  }
}
