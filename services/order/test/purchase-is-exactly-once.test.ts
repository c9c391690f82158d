// I5: a purchase retried with the same order id, to any order pod, creates one order and takes one copy.
import { strict as assert } from 'node:assert';
import { BazarTopology, callJson } from '@bazar/harness';

describe('I5: a purchase happens exactly once per order id', function () {
  this.timeout(120_000);
  let topo: BazarTopology;

  before(async () => {
    topo = await BazarTopology.start();
  });
  after(async () => {
    await topo?.stop();
  });

  const book = async (id: number) =>
    (await callJson('GET', `${topo.catalogs[0]!.url}/books/${id}`, { token: topo.token })).body;

  it('the same order id sent 10 times concurrently to both order pods: one order, one decrement', async () => {
    const orderId = crypto.randomUUID();
    const before = await book(5);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        callJson('POST', `${topo.orders[i % 2]!.url}/orders`, {
          token: topo.token,
          body: { bookId: 5, orderId },
        }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status).sort(),
      [200, 200, 200, 200, 200, 200, 200, 200, 200, 201],
      JSON.stringify(results.map((r) => r.body)),
    );
    for (const r of results) assert.deepEqual(r.body, results[0]!.body, 'every answer is the same order');
    assert.equal(results[0]!.body.orderId, orderId);

    const after = await book(5);
    assert.equal(after.quantity, before.quantity - 1);
    assert.equal(after.version, before.version + 1);
    const rows = await topo.cluster.query(
      'primary',
      'SELECT id FROM orders WHERE id = $1',
      [orderId],
      'orders',
    );
    assert.equal(rows.length, 1);
  });

  it('a retry after the first attempt completed returns the stored order with 200', async () => {
    const orderId = crypto.randomUUID();
    const first = await callJson('POST', `${topo.orders[0]!.url}/orders`, {
      token: topo.token,
      body: { bookId: 6, orderId },
    });
    const again = await callJson('POST', `${topo.orders[1]!.url}/orders`, {
      token: topo.token,
      body: { bookId: 6, orderId },
    });
    assert.equal(first.status, 201);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, first.body);
  });

  it('a retry whose reservation was made but whose order was not (a crash in between) completes the order once', async () => {
    const orderId = crypto.randomUUID();
    const before = await book(7);
    // The first attempt reached the catalog only, as if the order pod died right after the reservation.
    const reserved = await callJson('POST', `${topo.catalogs[1]!.url}/books/7/reservations`, {
      token: topo.token,
      body: { orderId },
    });
    assert.equal(reserved.status, 201);
    const retry = await callJson('POST', `${topo.orders[0]!.url}/orders`, {
      token: topo.token,
      body: { bookId: 7, orderId },
    });
    assert.equal(retry.status, 201);
    assert.equal(retry.body.orderId, orderId);
    assert.equal((await book(7)).quantity, before.quantity - 1, 'the retry took no second copy');
  });

  it('an order id reused for another book is refused, changing nothing', async () => {
    const orderId = crypto.randomUUID();
    const first = await callJson('POST', `${topo.orders[0]!.url}/orders`, {
      token: topo.token,
      body: { bookId: 1, orderId },
    });
    assert.equal(first.status, 201);
    const before = await book(2);
    const clash = await callJson('POST', `${topo.orders[1]!.url}/orders`, {
      token: topo.token,
      body: { bookId: 2, orderId },
    });
    assert.equal(clash.status, 409);
    assert.equal(clash.body.error.code, 'idempotency_conflict');
    assert.deepEqual(await book(2), before);
  });
});
