// I3: a cache miss that races a write never leaves the old value in the cache once the write is acknowledged.
// The race is staged for sure with the frontend's test-only fill gate: the miss has loaded the old value and
// waits at the gate while the write happens and is acknowledged; then the gate opens.
import { strict as assert } from 'node:assert';
import { BazarTopology, callJson, waitFor } from '@bazar/harness';

for (const redis of [false, true]) {
  describe(`I3: no stale fill (${redis ? 'Redis' : 'in-memory'} store)`, function () {
    this.timeout(120_000);
    let topo: BazarTopology;
    const gate = (i: number, hold: boolean) =>
      callJson('POST', `${topo.frontends[i]!.url}/internal/test/fill-gate`, {
        token: topo.token,
        body: { hold },
      });
    const waiting = async (i: number) =>
      (await callJson('GET', `${topo.frontends[i]!.url}/internal/test/fill-gate`, { token: topo.token })).body
        .waiting;

    before(async () => {
      topo = await BazarTopology.start({ frontends: 2, redis, frontendEnv: { TEST_HOOKS: 'true' } });
    });
    after(async () => {
      await topo?.stop();
    });

    it('a slow miss that loaded the old value does not store it after the write is acknowledged', async () => {
      const b = topo.frontends[1]!.url;
      await gate(1, true);
      const slowRead = callJson('GET', `${b}/info/3`); // misses, loads version v, then waits at the gate
      await waitFor('the miss to wait at the fill gate', async () => (await waiting(1)) === 1, {
        timeoutMs: 10_000,
      });

      const written = await callJson('PATCH', `${topo.frontends[0]!.url}/books/3`, {
        token: topo.adminToken,
        body: { price: 77 },
      });
      assert.equal(written.status, 200);
      await gate(1, false);
      const raced = await slowRead;
      assert.ok(raced.body.version < written.body.version, 'the staged miss really loaded the old value');

      for (const fe of topo.frontends) {
        const read = await callJson('GET', `${fe.url}/info/3`);
        assert.ok(
          read.body.version >= written.body.version,
          `${fe.name} served version ${read.body.version}`,
        );
        assert.equal(read.body.price, 77);
      }
      const stats = (await callJson('GET', `${b}/cache/stats`)).body;
      assert.ok(stats.staleFillsRejected >= 1, JSON.stringify(stats));
    });

    it('concurrent misses for one key are coalesced into one upstream load', async () => {
      const b = topo.frontends[1]!.url;
      await callJson('PATCH', `${topo.frontends[0]!.url}/books/4`, {
        token: topo.adminToken,
        body: { price: 51 },
      });
      const misses = async () => (await callJson('GET', `${b}/cache/stats`)).body.misses as number;
      // Every catalog read is counted by the catalog pod that served it: ten coalesced misses make one.
      const catalogReads = async () => {
        let n = 0;
        for (const c of topo.catalogs) {
          const r = (await callJson('GET', `${c.url}/replication`, { token: topo.token })).body.reads;
          n += r.primary + r.replica;
        }
        return n;
      };
      const [missesBefore, readsBefore] = [await misses(), await catalogReads()];
      await gate(1, true);
      const reads = Array.from({ length: 10 }, () => callJson('GET', `${b}/info/4`));
      await waitFor(
        'all 10 reads to have missed and the load to wait at the gate',
        async () => (await misses()) >= missesBefore + 10 && (await waiting(1)) >= 1,
        { timeoutMs: 10_000 },
      );
      await gate(1, false);
      for (const r of await Promise.all(reads)) {
        assert.equal(r.headers.get('x-cache'), 'MISS');
        assert.equal(r.body.price, 51);
      }
      assert.equal((await catalogReads()) - readsBefore, 1, 'ten misses, one upstream load');
    });
  });
}
