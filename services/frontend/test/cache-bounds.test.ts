// The cache keeps its bounds: LRU eviction at the configured size, expiry after the TTL, and with Redis one
// store shared by every frontend pod.
import { strict as assert } from 'node:assert';
import { BazarTopology, callJson, waitFor } from '@bazar/harness';

const stats = async (url: string) => (await callJson('GET', `${url}/cache/stats`)).body;
const xcache = async (url: string, path: string) =>
  (await callJson('GET', `${url}${path}`)).headers.get('x-cache');

describe('cache bounds (in-memory store)', function () {
  this.timeout(120_000);
  let topo: BazarTopology;
  const ttlMs = 600;

  before(async () => {
    topo = await BazarTopology.start({
      frontends: 1,
      catalogs: 1,
      orders: 1,
      frontendEnv: { CACHE_MAX_ENTRIES: '3', CACHE_TTL_MS: String(ttlMs) },
    });
  });
  after(async () => {
    await topo?.stop();
  });

  it('evicts the least recently used entry beyond CACHE_MAX_ENTRIES', async () => {
    const fe = topo.frontends[0]!.url;
    for (const id of [1, 2, 3, 4, 5]) assert.equal(await xcache(fe, `/info/${id}`), 'MISS');
    const s = await stats(fe);
    assert.equal(s.store, 'memory');
    assert.equal(s.entries, 3);
    assert.equal(s.evictions, 2);
    assert.equal(await xcache(fe, '/info/5'), 'HIT');
    assert.equal(await xcache(fe, '/info/1'), 'MISS', 'the oldest entry was evicted');
  });

  it('counts an invalidation as an invalidation, not as an eviction', async () => {
    const fe = topo.frontends[0]!.url;
    await callJson('GET', `${fe}/info/2`);
    const before = await stats(fe);
    const res = await callJson('PATCH', `${fe}/books/2`, { token: topo.adminToken, body: { price: 52 } });
    assert.equal(res.status, 200);
    const after = await stats(fe);
    assert.equal(after.invalidations, before.invalidations + 1);
    assert.equal(after.evictions, before.evictions);
  });

  it('expires an entry after CACHE_TTL_MS, not before', async () => {
    const fe = topo.frontends[0]!.url;
    await callJson('GET', `${fe}/info/6`);
    const filledAt = performance.now();
    assert.equal(await xcache(fe, '/info/6'), 'HIT');
    await waitFor('the entry to expire', async () => (await xcache(fe, '/info/6')) === 'MISS', {
      timeoutMs: ttlMs * 5,
      intervalMs: 20,
    });
    const lived = performance.now() - filledAt;
    assert.ok(
      lived >= ttlMs - 50 && lived <= ttlMs + 500,
      `entry lived ${lived.toFixed(0)} ms, TTL ${ttlMs} ms`,
    );
  });
});

describe('cache bounds (Redis store shared by the pods)', function () {
  this.timeout(120_000);
  let topo: BazarTopology;

  before(async () => {
    topo = await BazarTopology.start({ frontends: 2, catalogs: 1, orders: 1, redis: true });
  });
  after(async () => {
    await topo?.stop();
  });

  it('an entry filled through one pod is a hit through the other', async () => {
    const [a, b] = topo.frontends.map((f) => f.url) as [string, string];
    assert.equal(await xcache(a, '/info/7'), 'MISS');
    assert.equal(await xcache(b, '/info/7'), 'HIT');
    assert.equal(await xcache(b, '/search/distributed%20systems'), 'MISS');
    assert.equal(await xcache(a, '/search/distributed%20systems'), 'HIT');
    const s = await stats(b);
    assert.equal(s.store, 'redis');
    assert.ok(s.entries >= 2);
  });

  it('a write through one pod invalidates the shared entry for both', async () => {
    const [a, b] = topo.frontends.map((f) => f.url) as [string, string];
    await callJson('GET', `${a}/info/7`);
    const written = await callJson('PATCH', `${b}/books/7`, { token: topo.adminToken, body: { price: 151 } });
    for (const fe of [a, b]) {
      const read = await callJson('GET', `${fe}/info/7`);
      assert.ok(read.body.version >= written.body.version);
      assert.equal(read.body.price, 151);
    }
  });
});
