// I4 while frontend pods are replaced (a rolling upgrade): a frontend pod that is stopped (SIGTERM) stops serving
// cache hits and releases its cache leases at every catalog pod before it exits, so a write after it is gone
// waits for no lease, though the catalog pods still list its address. Started again at the same address, it is
// leased and told of writes again. Seen on the local Kubernetes: writes that found a replaced frontend pod's
// address waited out its lease, and purchases were refused 503 busy.
import { strict as assert } from 'node:assert';
import { BazarTopology, callJson, waitFor } from '@bazar/harness';

// Long enough that waiting it out cannot pass for a fast write on a loaded machine.
const leaseMs = 20_000;

describe('I4: a stopped frontend pod holds no write back', function () {
  this.timeout(180_000);
  let topo: BazarTopology;
  const info = (i: number, id: number) => callJson('GET', `${topo.frontends[i]!.url}/info/${id}`);
  const patch = (body: object) =>
    callJson('PATCH', `${topo.frontends[0]!.url}/books/5`, {
      token: topo.adminToken,
      body,
      timeoutMs: 60_000,
    });

  before(async () => {
    topo = await BazarTopology.start({ frontends: 2, catalogEnv: { CACHE_LEASE_MS: String(leaseMs) } });
  });
  after(async () => {
    await topo?.stop();
  });

  it('a write right after the pod exited is not held back by its lease', async () => {
    await waitFor(
      'frontend-1 to serve book 5 from its cache',
      async () => (await info(1, 5)).headers.get('x-cache') === 'HIT',
      {
        timeoutMs: 60_000,
      },
    );
    await topo.frontends[1]!.stop();
    const written = await patch({ price: 21.5 });
    assert.equal(written.status, 200, JSON.stringify(written.body));
    // Waiting out the lease would take up to 20 s; a loaded machine adds seconds, not that.
    assert.ok(written.ms < leaseMs / 4, `the write took ${written.ms.toFixed(0)} ms`);
  });

  it('started again, the pod is leased and told of writes again', async () => {
    await topo.frontends[1]!.start();
    await waitFor(
      'frontend-1 to serve book 5 from its cache again',
      async () => (await info(1, 5)).headers.get('x-cache') === 'HIT',
      {
        timeoutMs: 60_000,
      },
    );
    const written = await patch({ price: 22.5 });
    assert.equal(written.status, 200, JSON.stringify(written.body));
    assert.ok(written.ms < leaseMs / 4, `the write took ${written.ms.toFixed(0)} ms`);
    const read = await info(1, 5);
    assert.equal(read.status, 200);
    assert.ok(read.body.version >= written.body.version, `frontend-1 served version ${read.body.version}`);
  });
});
