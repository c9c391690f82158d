// I2, I4 while frontend pods come and go: a write is told to every frontend pod that may still serve hits under a
// lease this catalog pod granted, whether discovery lists it or not (a pod that failed its readiness, or was
// deleted, leaves DNS while its lease runs on); a pod that released its leases (it is shutting down) is not told,
// and no write waits for it.
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@bazar/common';
import { CacheLeaseGrants } from '../src/domain/cache-leases';
import { InvalidationFanout } from '../src/gateways/invalidation-fanout';

describe('I2, I4: which frontend pods a write is told to', function () {
  this.timeout(60_000);
  let server: Server;
  let url: string;
  const heard: string[] = [];

  before(async () => {
    // A frontend pod's internal endpoints, reduced to what the fan-out needs: 204 for every push, recorded.
    server = createServer((req, res) => {
      heard.push(`${req.method} ${req.url}`);
      req.resume().on('end', () => res.writeHead(204).end());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('a pod that left discovery with a lease is told until it ends; one that released it is not', async () => {
    let listed = [url];
    const frontends = () => listed;
    const leases = new CacheLeaseGrants({ leaseMs: 30_000, discoveryGraceMs: 0, frontends });
    const fanout = new InvalidationFanout({
      frontends,
      leases,
      token: 'a-token-of-sixteen-chars',
      deadlineMs: 2_000,
      attempts: 3,
      probeIntervalMs: 60_000,
      log: createLogger('catalog-test', 'silent'),
    });
    try {
      assert.equal(leases.grant(url), 30_000);
      listed = []; // the pod dropped out of DNS; its lease runs for 30 s more
      heard.length = 0;
      await fanout.prepare({ bookId: 7, writeId: 'w1', ttlMs: 5_000 });
      assert.deepEqual(heard, ['POST /internal/writes'], 'the lease holder was told of the write');
      assert.equal(leases.grant(url), null, 'no new lease for a pod that is not listed');

      leases.release(url);
      heard.length = 0;
      await fanout.publish({ bookId: 7, topic: 'distributed systems', version: 2, writeId: 'w1' });
      assert.deepEqual(heard, [], 'a pod that released its leases is not told');
      assert.deepEqual(leases.fencedPods, [], 'nor fenced');
    } finally {
      await fanout.close();
    }
  });
});
