// I11 (issue 17, hole 2): a reservation committed, then every order attempt fails and the client gives up: the
// reconciler records exactly one order for it within its bound (request deadline + grace + interval), the stock
// stays taken once, and a retry with the same key returns that order.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { BazarTopology, callJson, holdGate, waitFor } from '@bazar/harness';

// Large enough for a first attempt (60 %) to leave the order pod time for a reservation and its own write.
const deadlineMs = 5_000;

describe('I11: every reservation becomes exactly one order', function () {
  this.timeout(180_000);
  let topo: BazarTopology;
  const gate = '/test/after-reservation';
  const fe = () => topo.frontends[0]!.url;
  const ordersOf = async (bookId: number) =>
    Number(
      (
        await topo.cluster.query<{ n: string }>(
          'primary',
          'SELECT count(*) AS n FROM orders WHERE book_id = $1',
          [bookId],
          'orders',
        )
      )[0]!.n,
    );

  before(async () => {
    topo = await BazarTopology.start({
      frontends: 1,
      env: { REQUEST_DEADLINE_MS: String(deadlineMs) },
      orderEnv: { TEST_HOOKS: 'true', RECONCILE_INTERVAL_MS: '200', RECONCILE_GRACE_MS: '500' },
    });
  });
  after(async () => {
    await topo?.stop();
  });

  it('every order attempt failed after the reservation: one order appears, and the key returns it', async () => {
    const stockBefore = (await callJson('GET', `${fe()}/info/2`)).body.quantity as number;
    const ordersBefore = await ordersOf(2);
    for (const pod of topo.orders) await holdGate(topo.token, pod, gate, true);
    const key = `hole-2-${randomUUID()}`;
    // A first-time buyer: the 503 itself starts the session, which the retry must send back with the key.
    const failed = await callJson('POST', `${fe()}/purchase/2`, { headers: { 'Idempotency-Key': key } });
    assert.equal(failed.status, 503, JSON.stringify(failed.body));
    assert.equal(failed.headers.get('idempotency-key'), key);
    const cookie = failed.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    assert.match(cookie, /bazar_customer=.*bazar_customer\.sig=/, 'the 503 carries the new session');
    const buyer = { 'Idempotency-Key': key, cookie };
    assert.notEqual(
      failed.body.error.code,
      'busy',
      `a reservation was made, yet: ${JSON.stringify(failed.body)}`,
    );
    // The order pods die holding the purchase: no order was written by them.
    for (const pod of topo.orders) await pod.kill('SIGKILL');
    assert.equal(await ordersOf(2), ordersBefore);
    for (const pod of topo.orders) await pod.start();
    const started = performance.now();
    await waitFor(
      'the reconciler to record the order',
      async () => (await ordersOf(2)) === ordersBefore + 1,
      {
        timeoutMs: 30_000,
      },
    );
    const tookMs = performance.now() - started;
    assert.ok(tookMs < deadlineMs + 500 + 200 + 5_000, `recorded after ${tookMs.toFixed(0)} ms`);
    assert.equal((await callJson('GET', `${fe()}/info/2`)).body.quantity, stockBefore - 1);
    const retry = await callJson('POST', `${fe()}/purchase/2`, { headers: buyer });
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    // The reconciler recorded it without a customer; the retry claimed it, so it is in the buyer's history.
    const history = await callJson('GET', `${fe()}/orders`, { headers: { cookie: buyer.cookie } });
    assert.deepEqual(
      history.body.items.map((o: { orderId: string }) => o.orderId),
      [retry.body.orderId],
    );
    assert.equal(await ordersOf(2), ordersBefore + 1, 'still one order');
    assert.equal((await callJson('GET', `${fe()}/info/2`)).body.quantity, stockBefore - 1, 'still one copy');
  });
});
