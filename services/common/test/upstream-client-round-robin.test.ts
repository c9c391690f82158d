// The balancer spreads requests evenly over healthy endpoints and keeps one keep-alive connection per endpoint.
import { strict as assert } from 'node:assert';
import { StaticEndpointSource } from '../src/discovery/static-endpoint-source';
import { UpstreamClient } from '../src/upstream/upstream-client';
import { CountingServer } from './support/counting-server';
import { memoryLogger } from './support/test-logger';

describe('UpstreamClient round-robin', () => {
  let servers: CountingServer[];
  let client: UpstreamClient;

  beforeEach(async () => {
    servers = await Promise.all([0, 1, 2].map(() => CountingServer.start()));
    client = new UpstreamClient({
      name: 'catalog',
      source: new StaticEndpointSource(
        'catalog',
        servers.map((s) => s.url),
      ),
      token: 'test-token-0123456789',
      timeoutMs: 1000,
      log: memoryLogger().log,
    });
  });
  afterEach(async () => {
    await client.close();
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('sends an equal share to each of three endpoints, over one kept-alive connection each', async () => {
    for (let i = 0; i < 300; i++) {
      const res = await client.request<{ servedBy: string }>('GET', '/books/1');
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-served-by'], res.endpoint);
      assert.equal(res.body.servedBy, res.endpoint);
    }
    assert.deepEqual(
      servers.map((s) => s.hits),
      [100, 100, 100],
    );
    assert.deepEqual(
      servers.map((s) => s.connections),
      [1, 1, 1],
    );
    assert.deepEqual(
      client.endpoints().map((e) => [e.url, e.healthy, e.requests, e.consecutiveFailures, e.ejectedUntil]),
      servers.map((s) => [s.url, true, 100, 0, null]),
    );
  });

  it('sends the caller’s headers and the bearer token', async () => {
    let seen: Record<string, string | string[] | undefined> = {};
    const { createServer } = await import('node:http');
    const echo = createServer((req, res) => {
      seen = req.headers;
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const address = echo.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const one = new UpstreamClient({
      name: 'order',
      source: new StaticEndpointSource('order', [url]),
      token: 'test-token-0123456789',
      timeoutMs: 1000,
      log: memoryLogger().log,
    });
    try {
      const res = await one.request(
        'POST',
        '/orders',
        { bookId: 1 },
        { headers: { 'idempotency-key': 'k-1' } },
      );
      assert.equal(res.status, 201);
      assert.deepEqual(res.body, { ok: true });
      assert.equal(seen['authorization'], 'Bearer test-token-0123456789');
      assert.equal(seen['idempotency-key'], 'k-1');
      assert.equal(seen['content-type'], 'application/json');
    } finally {
      await one.close();
      echo.closeAllConnections();
      echo.close();
    }
  });
});
