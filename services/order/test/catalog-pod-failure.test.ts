// I6/I7 between order and catalog: a catalog pod killed during a stream of purchases costs no client a failure
// (the reservation is retried on the other pod with the same order id), and no order is lost or doubled.
import { strict as assert } from 'node:assert';
import { BazarTopology, callJson, waitFor, type JsonResponse } from '@bazar/harness';

describe('I6/I7: a catalog pod dies under purchases', function () {
  this.timeout(120_000);
  let topo: BazarTopology;

  before(async () => {
    topo = await BazarTopology.start();
    const res = await callJson('PATCH', `${topo.catalogs[0]!.url}/books/1`, {
      token: topo.token,
      body: { quantity: 10_000 },
    });
    assert.equal(res.status, 200);
  });
  after(async () => {
    await topo?.stop();
  });

  it('every purchase succeeds once, before, during and after the kill and the restart', async () => {
    const results: JsonResponse[] = [];
    let stop = false;
    const buyer = async (b: number) => {
      for (let i = 0; !stop; i++) {
        results.push(
          await callJson('POST', `${topo.orders[(b + i) % 2]!.url}/orders`, {
            token: topo.token,
            body: { bookId: 1 },
          }),
        );
      }
    };
    const load = Promise.all([0, 1, 2].map(buyer));
    await waitFor('20 purchases before the kill', async () => results.length >= 20, { timeoutMs: 20_000 });
    await topo.catalogs[0]!.kill('SIGKILL');
    const atKill = results.length;
    await waitFor('40 purchases with one catalog pod down', async () => results.length >= atKill + 40, {
      timeoutMs: 30_000,
    });
    await topo.catalogs[0]!.restart();
    const atRestart = results.length;
    await waitFor('40 purchases after the restart', async () => results.length >= atRestart + 40, {
      timeoutMs: 30_000,
    });
    stop = true;
    await load;

    assert.deepEqual(
      results.filter((r) => r.status !== 201).map((r) => r.body),
      [],
      'every purchase succeeded',
    );
    const ids = results.map((r) => r.body.orderId);
    assert.equal(new Set(ids).size, ids.length);
    const rows = await topo.cluster.query('primary', 'SELECT count(*)::int AS n FROM orders', [], 'orders');
    assert.equal(rows[0]!.n, results.length, 'one order row per acknowledged purchase');
    const book = await callJson('GET', `${topo.catalogs[1]!.url}/books/1`, { token: topo.token });
    assert.equal(book.body.quantity, 10_000 - results.length, 'one copy per acknowledged purchase');
  });
});
