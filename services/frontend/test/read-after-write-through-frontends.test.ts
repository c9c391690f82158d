// I2 through the public API: once a write is acknowledged through one frontend pod, a read through the other
// never shows anything older — even though that pod had the old value cached.
import { strict as assert } from 'node:assert';
import { BazarTopology, callJson } from '@bazar/harness';

describe('I2: read-after-write through two frontend pods', function () {
  this.timeout(180_000);
  let topo: BazarTopology;
  const fe = (i: number) => topo.frontends[i % 2]!.url;

  before(async () => {
    topo = await BazarTopology.start({ frontends: 2 });
  });
  after(async () => {
    await topo?.stop();
  });

  it('200 rounds: read via B (cached), write via A, read via B → never older', async () => {
    for (let i = 0; i < 200; i++) {
      const [a, b] = [fe(i), fe(i + 1)];
      await callJson('GET', `${b}/info/1`);
      const warm = await callJson('GET', `${b}/info/1`);
      assert.equal(
        warm.headers.get('x-cache'),
        'HIT',
        'B holds the current value in its cache before the write',
      );
      const body = i % 2 === 0 ? { price: 10 + (i % 40) } : { quantityDelta: 1 };
      const written = await callJson('PATCH', `${a}/books/1`, { token: topo.adminToken, body });
      assert.equal(written.status, 200, JSON.stringify(written.body));
      const read = await callJson('GET', `${b}/info/1`);
      assert.equal(read.status, 200);
      assert.ok(
        read.body.version >= written.body.version,
        `round ${i}: wrote version ${written.body.version}, then read ${read.body.version} (${read.headers.get('x-cache')})`,
      );
    }
    const stats = (await callJson('GET', `${fe(0)}/cache/stats`)).body;
    assert.ok(stats.invalidations >= 200, JSON.stringify(stats));
  });

  it('a purchase through A is visible in the stock read through B at once', async () => {
    for (let i = 0; i < 20; i++) {
      const before = (await callJson('GET', `${fe(1)}/info/2`)).body;
      const bought = await callJson('POST', `${fe(0)}/purchase/2`);
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      const after = (await callJson('GET', `${fe(1)}/info/2`)).body;
      assert.equal(after.quantity, before.quantity - 1);
    }
  });
});
