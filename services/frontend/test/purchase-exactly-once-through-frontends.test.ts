// I5 through the public API: a purchase retried with the same Idempotency-Key, through either frontend pod, is
// one order and one copy; a purchase sent without a key can be retried with the key the frontend returned. Each
// buyer keeps its customer cookie, as a browser does (keys are the customer's own: customer-sessions.test.ts).
import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import { BazarTopology, callJson } from '@bazar/harness';

describe('I5: exactly-once purchases through the frontends', function () {
  this.timeout(120_000);
  let topo: BazarTopology;
  const info = async (id: number) => (await callJson('GET', `${topo.frontends[0]!.url}/info/${id}`)).body;

  before(async () => {
    topo = await BazarTopology.start({ frontends: 2 });
  });
  after(async () => {
    await topo?.stop();
  });

  it('one key sent 10 times concurrently through both frontends: one order, one copy', async () => {
    const before = await info(3);
    const cookie = topo.customer();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        callJson('POST', `${topo.frontends[i % 2]!.url}/purchase/3`, {
          headers: { 'Idempotency-Key': 'cart-42', cookie },
        }),
      ),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    for (const r of results) assert.deepEqual(r.body, results[0]!.body);
    assert.equal((await info(3)).quantity, before.quantity - 1);
  });

  it('without a key, the returned key replays the same order', async () => {
    const before = await info(4);
    const cookie = topo.customer();
    const first = await callJson('POST', `${topo.frontends[0]!.url}/purchase/4`, { headers: { cookie } });
    assert.equal(first.status, 201);
    const key = first.headers.get('idempotency-key')!;
    const retry = await callJson('POST', `${topo.frontends[1]!.url}/purchase/4`, {
      headers: { 'Idempotency-Key': key, cookie },
    });
    assert.equal(retry.status, 200);
    assert.deepEqual(retry.body, first.body);
    assert.equal((await info(4)).quantity, before.quantity - 1);
  });

  it('an empty key is refused, not taken for a missing one', async () => {
    const res = await callJson('POST', `${topo.frontends[0]!.url}/purchase/4`, {
      headers: { 'Idempotency-Key': '' },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'invalid_idempotency_key');
  });

  it('a chunked non-JSON body gets 415 and buys nothing', async () => {
    const before = await info(5);
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${topo.frontends[0]!.url}/purchase/5`);
      const req = request(url, { method: 'POST', headers: { 'content-type': 'text/plain' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('buy'); // no Content-Length: Node sends Transfer-Encoding: chunked
      req.end();
    });
    assert.equal(status, 415);
    assert.equal((await info(5)).quantity, before.quantity);
  });
});
