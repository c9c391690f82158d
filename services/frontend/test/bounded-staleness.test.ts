// I4: a frontend pod that an invalidation cannot reach does not hold the write back, and serves the old value
// for at most its cache TTL. The pod is made unreachable for real: SIGSTOP freezes its process.
import { strict as assert } from 'node:assert';
import { BazarTopology, callJson, waitFor } from '@bazar/harness';

const ttlMs = 2_000;

describe('I4: bounded staleness when an invalidation cannot reach a pod', function () {
  this.timeout(120_000);
  let topo: BazarTopology;

  before(async () => {
    topo = await BazarTopology.start({
      frontends: 2,
      frontendEnv: { CACHE_TTL_MS: String(ttlMs) },
      catalogEnv: { INVALIDATION_DEADLINE_MS: '300' },
    });
  });
  after(async () => {
    const frozen = topo?.frontends[1]?.pid;
    if (frozen) process.kill(frozen, 'SIGCONT');
    await topo?.stop();
  });

  it('the write succeeds promptly, and the frozen pod is fresh again within the TTL', async () => {
    const [a, b] = topo.frontends as [(typeof topo.frontends)[0], (typeof topo.frontends)[0]];
    await callJson('GET', `${b.url}/info/5`);
    const cached = await callJson('GET', `${b.url}/info/5`);
    assert.equal(cached.headers.get('x-cache'), 'HIT');

    process.kill(b.pid!, 'SIGSTOP');
    let written;
    try {
      written = await callJson('PATCH', `${a.url}/books/5`, {
        token: topo.adminToken,
        body: { quantityDelta: 3 },
      });
    } finally {
      process.kill(b.pid!, 'SIGCONT');
    }
    const ackedAt = performance.now();
    assert.equal(written.status, 200);
    assert.ok(written.ms < 1_500, `the write took ${written.ms.toFixed(0)} ms with one frontend frozen`);
    const fresh = await callJson('GET', `${a.url}/info/5`);
    assert.ok(fresh.body.version >= written.body.version, 'the reachable pod is fresh at once');

    await waitFor(
      'the frozen pod to serve the new version',
      async () => (await callJson('GET', `${b.url}/info/5`)).body.version >= written.body.version,
      { timeoutMs: ttlMs * 3, intervalMs: 20 },
    );
    const staleFor = performance.now() - ackedAt;
    assert.ok(staleFor <= ttlMs + 250, `stale for ${staleFor.toFixed(0)} ms, TTL is ${ttlMs} ms`);
  });
});
