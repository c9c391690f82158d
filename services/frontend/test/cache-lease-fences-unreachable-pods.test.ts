// I2 with no TTL exception, and I4: a frontend pod that a writer cannot reach — frozen (SIGSTOP: alive but silent)
// or cut off (its network to the catalog pods dead, while it still serves clients) — holds a write back by at
// most one cache lease, and once the write is acknowledged it serves nothing older, not even from its cache. With
// every pod reachable, a write waits for no lease.
import { strict as assert } from 'node:assert';
import { BazarTopology, CutProxy, callJson } from '@bazar/harness';

const leaseMs = 2_000;
const pushDeadlineMs = 300;
// Two pushes (in flight, then the version), each bounded by the push deadline, plus one lease; and the loaded
// machine's scheduling on top.
const boundMs = leaseMs + 2 * pushDeadlineMs + 1_500;

for (const store of ['memory', 'redis'] as const) {
  describe(`I2, I4: cache leases fence pods a write cannot reach (${store} store)`, function () {
    this.timeout(180_000);
    let topo: BazarTopology;
    let proxy: CutProxy;
    const info = async (i: number, id: number) => callJson('GET', `${topo.frontends[i]!.url}/info/${id}`);
    const warm = async (i: number, id: number) => {
      for (let n = 0; n < 50; n++) if ((await info(i, id)).headers.get('x-cache') === 'HIT') return;
      assert.fail(`frontend-${i} never served book ${id} from its cache`);
    };

    before(async () => {
      proxy = await CutProxy.start();
      topo = await BazarTopology.start({
        frontends: 3,
        redis: store === 'redis',
        catalogEnv: { CACHE_LEASE_MS: String(leaseMs), INVALIDATION_DEADLINE_MS: String(pushDeadlineMs) },
        frontendUrlForCatalogs: (i, port) => (i === 2 ? proxy.url : `http://127.0.0.1:${port}`),
      });
      proxy.forwardTo(topo.frontends[2]!.port);
    });
    after(async () => {
      const frozen = topo?.frontends[1]?.pid;
      if (frozen) process.kill(frozen, 'SIGCONT');
      proxy?.mend();
      await topo?.stop();
      await proxy?.stop();
    });

    it('with every pod reachable, a write waits for no lease', async () => {
      const times: number[] = [];
      for (let n = 0; n < 10; n++) {
        const res = await callJson('PATCH', `${topo.frontends[0]!.url}/books/1`, {
          token: topo.adminToken,
          body: { quantityDelta: 1 },
        });
        assert.equal(res.status, 200);
        times.push(res.ms);
      }
      times.sort((a, b) => a - b);
      assert.ok(
        times[5]! < leaseMs / 4,
        `median write ${times[5]!.toFixed(0)} ms: a write waited for a lease`,
      );
    });

    it('one pod frozen and one cut off: the write is acknowledged within one lease, and neither serves older', async () => {
      for (const i of [0, 1, 2]) await warm(i, 7);
      const frozen = topo.frontends[1]!;
      process.kill(frozen.pid!, 'SIGSTOP');
      proxy.cutOff();
      let written;
      try {
        written = await callJson('PATCH', `${topo.frontends[0]!.url}/books/7`, {
          token: topo.adminToken,
          body: { price: 17.5 + Math.round(Math.random() * 100) / 100 },
          timeoutMs: 30_000,
        });
        assert.equal(written.status, 200, JSON.stringify(written.body));
        assert.ok(written.ms < boundMs, `the write took ${written.ms.toFixed(0)} ms (bound ${boundMs} ms)`);
        // The cut-off pod still serves its clients, and never the old price.
        const cut = await info(2, 7);
        assert.equal(cut.status, 200);
        assert.ok(cut.body.version >= written.body.version, `cut-off pod served version ${cut.body.version}`);
      } finally {
        process.kill(frozen.pid!, 'SIGCONT');
      }
      // At once after waking: nothing older than the acknowledged write, through any pod.
      for (const i of [1, 0, 2]) {
        const r = await info(i, 7);
        assert.ok(r.body.version >= written.body.version, `frontend-${i} served version ${r.body.version}`);
        assert.equal(r.body.price, written.body.price);
      }
      proxy.mend();
    });

    it('a pod whose lease came back serves hits again, fresh', async () => {
      for (let n = 0; n < 100; n++) {
        const r = await info(2, 7);
        if (r.headers.get('x-cache') === 'HIT') return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.fail('the mended pod never served a hit again');
    });
  });
}
