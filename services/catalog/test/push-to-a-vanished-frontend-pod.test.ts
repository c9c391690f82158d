// I2 and I10 while frontend pods are replaced: a write's pushes to a frontend pod whose address no longer answers
// (a deleted pod's IP drops SYNs; discovery still lists it for a while) end at INVALIDATION_DEADLINE_MS, fence that
// pod and wait out its lease, and let the write go on. Seen on the local Kubernetes during a rolling upgrade: each
// push held its write for undici's 10 s connect timeout, and every purchase of the book stalled behind it.
import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import { createLogger } from '@bazar/common';
import { Blackhole } from '@bazar/harness';
import { CacheLeaseGrants } from '../src/domain/cache-leases';
import { InvalidationFanout } from '../src/gateways/invalidation-fanout';

describe('I2, I10: a push to a frontend pod whose address answers no SYN', function () {
  this.timeout(60_000);
  let hole: Blackhole;

  before(async () => {
    hole = await Blackhole.start();
  });
  after(async () => {
    await hole?.stop();
  });

  it('ends at the deadline and fences the pod, instead of holding the write for the connect timeout', async () => {
    const deadlineMs = 300;
    const leaseMs = 200;
    const frontends = () => [hole.url];
    const leases = new CacheLeaseGrants({ leaseMs, discoveryGraceMs: 0, frontends });
    const fanout = new InvalidationFanout({
      frontends,
      leases,
      token: 'a-token-of-sixteen-chars',
      deadlineMs,
      attempts: 3,
      probeIntervalMs: 60_000,
      log: createLogger('catalog-test', 'silent'),
    });
    try {
      for (const announce of [
        () => fanout.prepare({ bookId: 7, writeId: 'w1', ttlMs: 5_000 }),
        () => fanout.publish({ bookId: 7, topic: 'distributed systems', version: 2, writeId: 'w1' }),
      ]) {
        const started = performance.now();
        await announce();
        const ms = performance.now() - started;
        // The deadline plus the lease wait is 0.5 s; a loaded machine may add some, never the 10 s connect timeout.
        assert.ok(ms < 3_000, `the push held the write for ${Math.round(ms)} ms`);
      }
      assert.deepEqual(leases.fencedPods, [hole.url], 'the pod that was not told is fenced');
      assert.equal(leases.grant(hole.url), null, 'and gets no cache lease');
    } finally {
      await fanout.close();
    }
  });

  // Seen on the local Kubernetes: a catalog pod that had just started (so any frontend pod it never leased to may
  // still serve hits until DISCOVERY_REFRESH_MS + a lease after its start) found a frontend pod gone, waited ~6 s,
  // and the purchase ran out of time (503 after the wait). Refused at once, the order pod tries another catalog pod.
  it('refuses the write at once (503 busy) when waiting out the lease would outlast its deadline', async () => {
    const frontends = () => [hole.url];
    // Never leased to: taken to hold a lease until the discovery grace plus a lease after this pod started.
    const leases = new CacheLeaseGrants({ leaseMs: 2_000, discoveryGraceMs: 30_000, frontends });
    const fanout = new InvalidationFanout({
      frontends,
      leases,
      token: 'a-token-of-sixteen-chars',
      deadlineMs: 300,
      attempts: 3,
      probeIntervalMs: 60_000,
      log: createLogger('catalog-test', 'silent'),
    });
    try {
      const started = performance.now();
      await assert.rejects(
        fanout.prepare({ bookId: 7, writeId: 'w2', ttlMs: 5_000 }, 5_000),
        (err: unknown) => {
          assert.equal((err as { status?: number }).status, 503);
          assert.equal((err as { code?: string }).code, 'busy');
          return true;
        },
      );
      const ms = performance.now() - started;
      assert.ok(ms < 5_000, `refused after ${Math.round(ms)} ms, not at once (the lease wait is 32 s)`);
      assert.deepEqual(leases.fencedPods, [hole.url], 'the pod is fenced all the same');
      assert.equal(fanout.stats.fenceRefusals, 1);
    } finally {
      await fanout.close();
    }
  });
});
