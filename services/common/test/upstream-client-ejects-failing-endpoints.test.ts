// Passive ejection: a dead endpoint or one answering 5xx is taken out of rotation without any request failing,
// gets no traffic during its backoff, and is probed back (GET /readyz) once it works again. A 4xx is an answer.
import { strict as assert } from 'node:assert';
import { AppError } from '../src/errors';
import { StaticEndpointSource } from '../src/discovery/static-endpoint-source';
import { UpstreamClient, type EjectionPolicy } from '../src/upstream/upstream-client';
import { Blackhole, waitFor } from '@bazar/harness';
import { CountingServer, deadUrl } from './support/counting-server';
import { memoryLogger } from './support/test-logger';

describe('UpstreamClient ejection and retries', () => {
  let servers: CountingServer[];
  const clients: UpstreamClient[] = [];

  const clientFor = (urls: string[], ejection: Partial<EjectionPolicy> = {}) => {
    const c = new UpstreamClient({
      name: 'catalog',
      source: new StaticEndpointSource('catalog', urls),
      token: 'test-token-0123456789',
      timeoutMs: 1000,
      log: memoryLogger().log,
      ejection,
    });
    clients.push(c);
    return c;
  };
  const snapshotOf = (c: UpstreamClient, url: string) => c.endpoints().find((e) => e.url === url)!;

  beforeEach(async () => {
    servers = await Promise.all([0, 1, 2].map(() => CountingServer.start()));
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
  });

  it('an endpoint that swallows connection attempts costs one attempt timeout, then is ejected', async () => {
    // A deleted pod's address on a real network: no refusal, the connect just waits (undici's own bound is 10 s).
    const hole = await Blackhole.start();
    try {
      const [a] = servers as [CountingServer];
      const client = clientFor([hole.url, a.url], { baseMs: 5_000, maxMs: 5_000 });
      for (let i = 0; i < 4; i++) {
        const started = performance.now();
        const res = await client.request('GET', '/books/1');
        const ms = performance.now() - started;
        assert.equal(res.status, 200);
        assert.equal(res.endpoint, a.url);
        assert.ok(
          ms < 1000 + 500,
          `request ${i} answered after ${ms.toFixed(0)} ms (attempt timeout 1000 ms)`,
        );
      }
      assert.equal(snapshotOf(client, hole.url).healthy, false, 'ejected after its first timeout');
      assert.equal(snapshotOf(client, hole.url).requests, 1);
    } finally {
      await hole.stop();
    }
  });

  it('retries on the next endpoint when one dies, ejects it, and probes it back after it restarts', async () => {
    const [a, b, c] = servers as [CountingServer, CountingServer, CountingServer];
    const client = clientFor([a.url, b.url, c.url], { baseMs: 50, maxMs: 200 });
    const statuses: number[] = [];
    const get = async () => statuses.push((await client.request('GET', '/books/1')).status);
    for (let i = 0; i < 30; i++) await get();

    await b.stop();
    const sentToB = snapshotOf(client, b.url).requests;
    for (let i = 0; i < 60; i++) await get();
    assert.ok(
      statuses.every((s) => s === 200),
      'no request failed',
    );
    assert.equal(snapshotOf(client, b.url).requests, sentToB + 1, 'one attempt found it dead, then none');
    assert.equal(snapshotOf(client, b.url).healthy, false);
    assert.ok(Math.abs(a.hits - c.hits) <= 1, `the others share the load evenly (${a.hits} vs ${c.hits})`);
    // Probes keep failing while it is down, each one doubling the backoff.
    await waitFor('failed probes', async () => snapshotOf(client, b.url).consecutiveFailures >= 3, {
      timeoutMs: 30_000,
      intervalMs: 5,
    });
    assert.equal(snapshotOf(client, b.url).requests, sentToB + 1, 'probes are not requests');

    const hitsBefore = b.hits;
    await b.listen();
    await waitFor(
      'the restarted endpoint receives traffic again',
      async () => {
        await get();
        return b.hits > hitsBefore + 5;
      },
      { timeoutMs: 30_000, intervalMs: 5 },
    );
    assert.ok(b.probes >= 1, 'it came back through a /readyz probe');
    assert.ok(
      statuses.every((s) => s === 200),
      'no request failed',
    );
    assert.deepEqual(
      client.endpoints().map((e) => [e.healthy, e.consecutiveFailures]),
      [
        [true, 0],
        [true, 0],
        [true, 0],
      ],
    );
  });

  it('ejects an endpoint answering 503 (and serves from the others), but returns a 404 as is', async () => {
    const [a, b, c] = servers as [CountingServer, CountingServer, CountingServer];
    a.status = 503;
    const client = clientFor([a.url, b.url, c.url], { baseMs: 60_000, maxMs: 60_000 });
    for (let i = 0; i < 30; i++) assert.equal((await client.request('GET', '/books/1')).status, 200);
    assert.equal(a.hits, 1, 'after its 503 it got no traffic during the backoff');
    assert.equal(b.hits + c.hits, 30);
    const ejected = snapshotOf(client, a.url);
    assert.equal(ejected.healthy, false);
    assert.equal(ejected.lastError, 'answered 503');
    assert.ok(Date.parse(ejected.ejectedUntil!) > Date.now() + 50_000);

    const hits = b.hits + c.hits;
    for (let i = 0; i < 6; i++) {
      const res = await client.request<{ error: { code: string } }>('GET', '/missing');
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, { error: { code: 'status_404' } });
    }
    assert.equal(b.hits + c.hits, hits + 6, 'a 404 is not retried');
    assert.equal(snapshotOf(client, b.url).healthy, true);
    assert.equal(snapshotOf(client, c.url).healthy, true);
  });

  it('passes the last 5xx answer back when every attempt got one, trying at most `attempts` endpoints', async () => {
    for (const s of servers) s.status = 503;
    const client = clientFor(
      servers.map((s) => s.url),
      { baseMs: 60_000, maxMs: 60_000 },
    );
    const res = await client.request<{ error: { code: string } }>('GET', '/books/1', undefined, {
      attempts: 2,
    });
    assert.equal(res.status, 503);
    assert.deepEqual(res.body, { error: { code: 'status_503' } });
    assert.deepEqual(
      servers.map((s) => s.hits),
      [1, 1, 0],
    );
    // The healthy one first, then the ejected ones, least recently failed first: C, A, B.
    const all = await client.request('GET', '/books/1');
    assert.equal(all.status, 503);
    assert.equal(all.endpoint, servers[1]!.url, 'the last answer is passed back');
    assert.deepEqual(
      servers.map((s) => s.hits),
      [2, 2, 1],
    );
    // Everything is ejected now and still tried, least recently failed first: C.
    const one = await client.request('GET', '/books/1', undefined, { attempts: 1 });
    assert.equal(one.endpoint, servers[2]!.url);
  });

  it('with attempts: 2 still succeeds when two of three endpoints are dead; all dead → upstream_unavailable', async () => {
    const live = servers[0]!;
    const dead = [await deadUrl(), await deadUrl()];
    const client = clientFor([...dead, live.url]);
    for (let i = 0; i < 10; i++) {
      const res = await client.request('GET', '/books/1', undefined, { attempts: 2 });
      assert.equal(res.status, 200);
      assert.equal(res.endpoint, live.url);
    }
    assert.equal(live.hits, 10);

    const allDead = clientFor([...dead, await deadUrl()]);
    await assert.rejects(
      allDead.request('GET', '/books/1', undefined, { attempts: 2 }),
      (err: unknown) =>
        err instanceof AppError &&
        err.status === 503 &&
        err.code === 'upstream_unavailable' &&
        err.message.includes('catalog'),
    );
  });

  it('treats an endpoint that stops answering in time like a dead one', async () => {
    const { createServer } = await import('node:http');
    const hung = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const address = hung.address();
    const hungUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const client = new UpstreamClient({
      name: 'catalog',
      source: new StaticEndpointSource('catalog', [hungUrl, servers[0]!.url]),
      token: 'test-token-0123456789',
      timeoutMs: 150,
      log: memoryLogger().log,
      ejection: { baseMs: 60_000 },
    });
    clients.push(client);
    try {
      const started = Date.now();
      const res = await client.request('GET', '/books/1');
      assert.equal(res.status, 200);
      assert.ok(Date.now() - started < 1000);
      assert.equal(snapshotOf(client, hungUrl).lastError, 'timed out');
      assert.equal(snapshotOf(client, hungUrl).healthy, false);
    } finally {
      hung.closeAllConnections();
      hung.close();
    }
  });
});
