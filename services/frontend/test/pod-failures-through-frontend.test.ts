// I6/I7 through the public API: a catalog pod killed under a steady stream of reads, or an order pod killed under
// purchases, costs clients nothing; the pod is used again once it is back; no order is lost or doubled.
import { strict as assert } from 'node:assert';
import { BazarTopology, callJson, waitFor, type JsonResponse } from '@bazar/harness';

describe('I6/I7: catalog and order pods die behind the frontends', function () {
  this.timeout(180_000);
  let topo: BazarTopology;

  before(async () => {
    // A one-entry cache and rotating ids make nearly every read a miss, so reads really reach the catalog pods.
    topo = await BazarTopology.start({ frontends: 2, frontendEnv: { CACHE_MAX_ENTRIES: '1' } });
    const res = await callJson('PATCH', `${topo.frontends[0]!.url}/books/6`, {
      token: topo.adminToken,
      body: { quantity: 100_000 },
    });
    assert.equal(res.status, 200);
  });
  after(async () => {
    await topo?.stop();
  });

  /** Runs `workers` loops of `step` until `stop` is set; returns every response. */
  function stream(workers: number, step: (w: number, i: number) => Promise<JsonResponse>) {
    const results: JsonResponse[] = [];
    const state = { stop: false };
    const done = Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        for (let i = 0; !state.stop; i++) results.push(await step(w, i));
      }),
    );
    return { results, finish: async () => ((state.stop = true), await done, results) };
  }

  async function during(results: JsonResponse[], count: number, what: string) {
    const target = results.length + count;
    await waitFor(what, async () => results.length >= target, { timeoutMs: 60_000 });
  }

  it('a catalog pod killed under reads: no failed read, and it serves again after a restart', async () => {
    const reads = stream(4, (w, i) =>
      callJson('GET', `${topo.frontends[(w + i) % 2]!.url}/info/${1 + ((w + i) % 7)}`),
    );
    await during(reads.results, 50, '50 reads before the kill');
    await topo.catalogs[0]!.kill('SIGKILL');
    await during(reads.results, 150, '150 reads with catalog-0 down');
    await topo.catalogs[0]!.restart();
    const fromRestarted = () =>
      reads.results.filter((r) => r.headers.get('x-served-by')?.endsWith('catalog-0')).length;
    const before = fromRestarted();
    await waitFor('catalog-0 to serve reads again', async () => fromRestarted() > before, {
      timeoutMs: 30_000,
    });
    const all = await reads.finish();
    assert.deepEqual(
      all.filter((r) => r.status !== 200).map((r) => r.body),
      [],
    );
  });

  it('an order pod killed under purchases: every purchase succeeds once', async () => {
    const before = (await callJson('GET', `${topo.frontends[0]!.url}/info/6`)).body;
    const buys = stream(3, (w, i) =>
      callJson('POST', `${topo.frontends[(w + i) % 2]!.url}/purchase/6`, {
        headers: { 'Idempotency-Key': `buyer-${w}-${i}-${before.version}` },
      }),
    );
    await during(buys.results, 20, '20 purchases before the kill');
    await topo.orders[0]!.kill('SIGKILL');
    await during(buys.results, 40, '40 purchases with order-0 down');
    await topo.orders[0]!.restart();
    await during(buys.results, 40, '40 purchases after the restart');
    const all = await buys.finish();

    // 201, or 200 when the frontend's retry found the order the killed pod had stored before it could answer:
    // either way one order, which the checks below count.
    assert.deepEqual(
      all.filter((r) => r.status !== 201 && r.status !== 200).map((r) => r.body),
      [],
      'every purchase succeeded',
    );
    const ids = new Set(all.map((r) => r.body.orderId));
    assert.equal(ids.size, all.length, 'one order per purchase');
    const rows = await topo.cluster.query<{ n: number }>(
      'primary',
      'SELECT count(*)::int AS n FROM orders WHERE book_id = 6',
      [],
      'orders',
    );
    assert.equal(rows[0]!.n, all.length, 'every acknowledged order is stored, once');
    const after = (await callJson('GET', `${topo.frontends[1]!.url}/info/6`)).body;
    assert.equal(after.quantity, before.quantity - all.length, 'one copy per acknowledged order');
  });
});
