// I9 and I10 through faults: a purchase is answered within the request budget with its real outcome when the
// replica dies, when an order pod dies after the reservation, and when a catalog pod stops; only when the budget
// runs out may it be a 503, and that 503 says how to learn the outcome (Retry-After, the Idempotency-Key).
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { BazarTopology, callJson, holdGate, podHeldAt } from '@bazar/harness';
import { describeErrors, flashSale, ordersOf } from './support/flash-sale';

const budgetMs = 10_000; // REQUEST_DEADLINE_MS's default
// What a loaded machine adds between the client's clock and the frontend's (accepting, scheduling, the answer).
const clientSlackMs = 2_500;

describe('I9, I10: purchases through faults answer truthfully within the budget', function () {
  this.timeout(300_000);
  let topo: BazarTopology;
  const fe = (i = 0) => topo.frontends[i]!.url;
  const stockOf = async (id: number) => (await callJson('GET', `${fe()}/info/${id}`)).body.quantity as number;
  const gate = '/test/after-reservation';

  before(async () => {
    topo = await BazarTopology.start({ frontends: 2, orderEnv: { TEST_HOOKS: 'true' } });
  });
  after(async () => {
    await topo?.stop();
  });

  it('the replica SIGKILLed just before 200 buyers for 5 copies: 5 × 201, 195 × 409, no 5xx', async () => {
    await topo.cluster.killReplica('SIGKILL');
    try {
      const r = await flashSale(topo, 3, 5, 200);
      assert.deepEqual(r.counts, { 201: 5, 409: 195 }, describeErrors(r));
      assert.equal(r.finalStock, 0);
    } finally {
      await topo.cluster.startReplica();
      await topo.cluster.waitReplicaStreaming();
    }
  });

  it('an order pod SIGKILLed after the reservation, before its answer: that buyer gets 201 in time, one copy', async () => {
    await callJson('PATCH', `${fe()}/books/4`, { token: topo.adminToken, body: { quantity: 10 } });
    const ordersBefore = (await ordersOf(topo, 4)).length;
    for (const pod of topo.orders) await holdGate(topo.token, pod, gate, true);
    const buying = callJson('POST', `${fe()}/purchase/4`, {
      headers: { 'Idempotency-Key': `killed-order-pod-${randomUUID()}` },
      timeoutMs: 60_000,
    });
    const held = await podHeldAt(topo.token, topo.orders, gate);
    await held.kill('SIGKILL');
    const res = await buying;
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.ok(res.ms < budgetMs + clientSlackMs, `answered in ${Math.round(res.ms)} ms`);
    assert.equal(await stockOf(4), 9, 'one copy taken, no second reservation');
    const orders = await ordersOf(topo, 4);
    assert.equal(orders.length, ordersBefore + 1);
    assert.ok(orders.includes(res.body.orderId));
    await held.start();
  });

  it('a catalog pod SIGSTOPped during purchases: all answered in time; each 503 names its key, whose retry tells the outcome', async () => {
    const copies = 30;
    await callJson('PATCH', `${fe()}/books/2`, { token: topo.adminToken, body: { quantity: copies } });
    const ordersBefore = new Set(await ordersOf(topo, 2));
    const stopped = topo.catalogs[0]!;
    const keys = Array.from({ length: 60 }, () => `stopped-catalog-${randomUUID()}`);
    const buyerOf = new Map(keys.map((k) => [k, topo.customer()])); // each buyer keeps its session cookie
    const buy = (key: string, i: number) =>
      callJson('POST', `${fe(i % 2)}/purchase/2`, {
        headers: { 'Idempotency-Key': key, cookie: buyerOf.get(key)! },
        timeoutMs: 60_000,
      });
    const first = keys.slice(0, 30).map(buy);
    // Stop it while the first half is in flight, then send the second half to a catalog with one pod stopped.
    await Promise.race(first);
    process.kill(stopped.pid!, 'SIGSTOP');
    let answers;
    try {
      answers = await Promise.all([...first, ...keys.slice(30).map((k, i) => buy(k, i))]);
    } finally {
      process.kill(stopped.pid!, 'SIGCONT');
    }
    const slow = answers.filter((a) => a.ms >= budgetMs + clientSlackMs);
    assert.deepEqual(
      slow.map((a) => Math.round(a.ms)),
      [],
      'every buyer answered within the budget',
    );
    for (const [i, a] of answers.entries()) {
      assert.ok([200, 201, 409, 503].includes(a.status), `buyer ${i}: ${a.status} ${JSON.stringify(a.body)}`);
      if (a.status !== 503) continue;
      assert.ok(a.headers.get('retry-after'), 'a 503 carries Retry-After');
      assert.equal(a.headers.get('idempotency-key'), keys[i], 'a 503 names the key to retry with');
    }
    // The retries with the same keys learn the real outcomes; stock and orders then agree exactly (I1, I5).
    const outcomes = await Promise.all(
      answers.map((a, i) => (a.status === 503 ? buy(keys[i]!, i) : Promise.resolve(a))),
    );
    for (const o of outcomes)
      assert.ok([200, 201, 409].includes(o.status), `${o.status} ${JSON.stringify(o.body)}`);
    const bought = new Set(outcomes.filter((o) => o.status < 300).map((o) => o.body.orderId as string));
    const newOrders = (await ordersOf(topo, 2)).filter((id) => !ordersBefore.has(id));
    assert.deepEqual([...bought].sort(), newOrders.sort(), 'one order per success, none more');
    assert.equal(await stockOf(2), copies - bought.size);
    assert.equal(bought.size, Math.min(copies, keys.length));
  });
});
