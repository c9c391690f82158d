// I6 with the primary: stopped, writes fail fast (≤ 2 s) with 503 primary_unavailable, and reads answer fast —
// from the replica while the pod's read lease lasts, then 503 database_unavailable, never from the replica without
// a lease (it may lack an acknowledged write: I2); started again, writes and reads succeed again.
import { strict as assert } from 'node:assert';
import { BazarTopology, callJson, waitFor } from '@bazar/harness';

describe('I6: the primary goes down', function () {
  this.timeout(120_000);
  let topo: BazarTopology;

  before(async () => {
    topo = await BazarTopology.start({ orders: 1 });
  });
  after(async () => {
    await topo?.stop();
  });

  it('writes fail within 2 s with 503 primary_unavailable, reads answer fast, and both resume after', async () => {
    const token = topo.token;
    const ordered = await callJson('POST', `${topo.orders[0]!.url}/orders`, { token, body: { bookId: 1 } });
    assert.equal(ordered.status, 201);
    await topo.cluster.stopPrimary('fast');

    for (const pod of topo.catalogs) {
      const write = await callJson('PATCH', `${pod.url}/books/1`, { token, body: { price: 42 } });
      assert.equal(write.status, 503, JSON.stringify(write.body));
      assert.equal(write.body.error.code, 'primary_unavailable');
      assert.ok(write.ms <= 2000, `write failed after ${write.ms.toFixed(0)} ms`);
      // From the replica while the read lease lasts; once it has run out, never (the replica may lack a write).
      const read = await callJson('GET', `${pod.url}/books/1`, { token });
      assert.ok(
        read.status === 200 || read.body.error.code === 'database_unavailable',
        JSON.stringify(read.body),
      );
      assert.ok(read.ms <= 2000);
      await waitFor(
        'the read lease to run out',
        async () => (await callJson('GET', `${pod.url}/books/1`, { token })).status === 503,
        { timeoutMs: 5_000, intervalMs: 20 },
      );
      for (let i = 0; i < 5; i++) {
        const later = await callJson('GET', `${pod.url}/books/1`, { token });
        assert.equal(later.body.error?.code, 'database_unavailable', JSON.stringify(later.body));
        assert.ok(later.ms <= 2000);
      }
    }
    const purchase = await callJson('POST', `${topo.orders[0]!.url}/orders`, { token, body: { bookId: 1 } });
    assert.equal(purchase.status, 503, JSON.stringify(purchase.body));
    assert.equal(purchase.body.error.code, 'primary_unavailable', JSON.stringify(purchase.body));
    assert.ok(purchase.ms <= 2000, `purchase failed after ${purchase.ms.toFixed(0)} ms`);
    // The order pod's own read lease follows the same rule: the replica while it lasts, then never.
    const orderUrl = `${topo.orders[0]!.url}/orders/${ordered.body.orderId}`;
    const order = await callJson('GET', orderUrl, { token });
    assert.ok(
      order.status === 200 || order.body.error?.code === 'database_unavailable',
      JSON.stringify(order.body),
    );
    assert.ok(order.ms <= 2000);
    await waitFor(
      'the order pod’s read lease to run out',
      async () => (await callJson('GET', orderUrl, { token })).status === 503,
      {
        timeoutMs: 5_000,
        intervalMs: 20,
      },
    );
    const orderLater = await callJson('GET', orderUrl, { token });
    assert.equal(orderLater.body.error?.code, 'database_unavailable', JSON.stringify(orderLater.body));
    assert.ok(orderLater.ms <= 2000);

    await topo.cluster.startPrimary();
    const readAgain = await callJson('GET', `${topo.orders[0]!.url}/orders/${ordered.body.orderId}`, {
      token,
    });
    assert.equal(readAgain.status, 200, 'the acknowledged order is there once the primary is back');
    const again = await callJson('PATCH', `${topo.catalogs[0]!.url}/books/1`, { token, body: { price: 42 } });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.price, 42);
  });
});
