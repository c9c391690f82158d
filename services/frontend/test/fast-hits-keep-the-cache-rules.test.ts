// The fast path for cache hits serves only what BookCache would serve as a hit: never an entry older than its
// book's tombstone (I3, I2), nothing while a write to the book is in flight (I12), nothing without the cache lease.
// An old entry can only sit in the store by a race the fills guard against, so it is put there directly; every
// request the fast path refuses reaches the chain, stood in for here by a handler that answers 599.
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@bazar/common';
import type Koa from 'koa';
import { FastHits } from '../src/api/fast-hits';
import { RateLimits } from '../src/api/rate-limits';
import { BookCache } from '../src/domain/book-cache';
import { createCacheStore } from '../src/data-access/cache-stores';
import { Storefront } from '../src/domain/storefront';
import type { Book } from '../src/domain/types';

const book = (version: number): Book => ({
  id: 1,
  title: 'RPCs for Noobs',
  topic: 'distributed systems',
  price: 50 + version,
  quantity: 100,
  version,
});

describe('fast cache hits keep the cache rules', () => {
  const store = createCacheStore({ kind: 'memory', maxEntries: 100, ttlMs: 60_000 });
  const lease = { held: true, epoch: 0, valid: () => lease.held };
  const cache = new BookCache(store, lease);
  const log = createLogger('test', 'silent');
  const fast = new FastHits({
    storefront: new Storefront(cache, undefined as never, undefined as never),
    rateLimits: new RateLimits({ requests: 0, purchases: 0, windowS: 10, log }),
    servedBy: 'frontend-test',
    log,
    context: () => ({}) as Koa.Context,
  });
  let server: Server;
  let url: string;
  const read = async () => {
    const res = await fetch(`${url}/info/1`);
    return { status: res.status, cache: res.headers.get('x-cache'), text: await res.text() };
  };
  const served = (version: number) => ({
    status: 200,
    cache: 'HIT',
    text: JSON.stringify(book(version)),
  });
  const refused = { status: 599, cache: null, text: 'chain' };

  before(async () => {
    server = createServer(
      fast.ahead(async (_req, res) => {
        res.statusCode = 599;
        res.end('chain');
      }),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('serves a filled entry as the bytes of its book', async () => {
    await cache.getBook(1, async () => book(1));
    assert.deepEqual(await read(), served(1));
  });

  it('never serves an entry older than its tombstone', async () => {
    await cache.invalidate({ bookId: 1, topic: 'distributed systems', version: 2 });
    await store.keyv.set('book:1', book(1)); // left behind by a fill that raced the invalidation
    assert.deepEqual(await read(), refused);
    await store.keyv.set('book:1', book(2));
    assert.deepEqual(await read(), served(2), 'an entry as new as the tombstone is served');
  });

  it('serves nothing of a book with a write in flight, nor without the lease', async () => {
    cache.markWrite({ bookId: 1, writeId: 'w1', ttlMs: 60_000 });
    assert.deepEqual(await read(), refused);
    await cache.invalidate({ bookId: 1, topic: 'distributed systems', version: 3, writeId: 'w1' });
    await cache.getBook(1, async () => book(3));
    assert.deepEqual(await read(), served(3));
    lease.held = false;
    assert.deepEqual(await read(), refused);
    lease.held = true;
  });
});
