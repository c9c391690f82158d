// I9 at the catalog: a full per-book line answers 503 `busy` with Retry-After at once (never after a timeout),
// and a commit the standby did not confirm waits out the read lease without holding a pool connection.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { BazarTopology, callJson, holdGate, waitFor } from '@bazar/harness';

describe('I9: admission to a book line, and no connection held through the lease wait', function () {
  this.timeout(120_000);
  let topo: BazarTopology;
  const catalog = () => topo.catalogs[0]!.url;
  const reserve = (bookId: number) =>
    callJson('POST', `${catalog()}/books/${bookId}/reservations`, {
      token: topo.token,
      body: { orderId: randomUUID() },
      timeoutMs: 30_000,
    });

  before(async () => {
    topo = await BazarTopology.start({
      catalogs: 1,
      orders: 0,
      catalogEnv: { TEST_HOOKS: 'true', RESERVATION_QUEUE_MAX: '1', DB_POOL_MAX: '1' },
    });
  });
  after(async () => {
    await topo?.stop();
  });

  it('with one batch running and the line full, the next purchase is 503 busy at once, with Retry-After', async () => {
    const gate = '/test/after-commit';
    await holdGate(topo.token, topo.catalogs[0]!, gate, true);
    const running = reserve(6);
    await waitFor(
      'a batch held after its commit',
      async () => (await callJson('GET', `${catalog()}${gate}`, { token: topo.token })).body.waiting === 1,
      { timeoutMs: 10_000 },
    );
    const waiting = reserve(6); // the line holds one
    let refused;
    try {
      refused = await waitFor(
        'a refusal',
        async () => {
          const r = await reserve(6);
          return r.status === 503 ? r : undefined;
        },
        { timeoutMs: 10_000 },
      );
    } finally {
      await holdGate(topo.token, topo.catalogs[0]!, gate, false);
    }
    assert.equal(refused.body.error.code, 'busy');
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.ok(refused.ms < 1_000, `refused after ${refused.ms.toFixed(0)} ms`);
    assert.equal((await running).status, 201);
    assert.equal((await waiting).status, 201);
  });

  it('replica down, one pool connection: writes to five books overlap their lease waits', async () => {
    await topo.cluster.killReplica('SIGKILL');
    try {
      await waitFor(
        'the pod to see the standby gone',
        async () =>
          (await callJson('GET', `${catalog()}/replication`, { token: topo.token })).body.replica?.mode ===
          'local',
        { timeoutMs: 15_000 },
      );
      const started = performance.now();
      const writes = await Promise.all(
        [1, 2, 3, 4, 5].map((id) =>
          callJson('PATCH', `${catalog()}/books/${id}`, { token: topo.token, body: { quantityDelta: 1 } }),
        ),
      );
      const tookMs = performance.now() - started;
      for (const w of writes) assert.equal(w.status, 200, JSON.stringify(w.body));
      // Each waits REPLICA_READ_LEASE_MS (400 ms) after its commit; holding the one connection meanwhile would
      // line them up: 5 × 400 ms at least.
      assert.ok(tookMs < 1_600, `five writes took ${tookMs.toFixed(0)} ms`);
    } finally {
      await topo.cluster.startReplica();
      await topo.cluster.waitReplicaStreaming();
    }
  });
});
