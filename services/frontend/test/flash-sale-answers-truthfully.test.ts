// I1, I5, I9 and I10 under a crowd: a flash sale of a few copies to many buyers at once, through two frontend pods,
// answers every buyer at the first attempt with the truth: 201 for a copy, 409 for none, never a 5xx.
import { strict as assert } from 'node:assert';
import { BazarTopology } from '@bazar/harness';
import { describeErrors, flashSale, ordersOf } from './support/flash-sale';

for (const database of ['postgres', 'embedded'] as const) {
  describe(`I9: a flash sale answers every buyer truthfully (${database})`, function () {
    this.timeout(600_000);
    let topo: BazarTopology;

    before(async () => {
      topo = await BazarTopology.start({ database, frontends: 2 });
    });
    after(async () => {
      await topo?.stop();
    });

    it('200 buyers for 5 copies, 10 rounds: 5 × 201, 195 × 409, no 5xx, stock 0, 5 orders a round', async () => {
      for (let round = 0; round < 10; round++) {
        const r = await flashSale(topo, 5, 5, 200);
        assert.deepEqual(r.counts, { 201: 5, 409: 195 }, `round ${round}: ${describeErrors(r)}`);
        for (const a of r.answers.filter((x) => x.status === 409))
          assert.equal(a.body.error.code, 'out_of_stock');
        assert.equal(r.finalStock, 0, `round ${round}`);
        const created = r.answers.filter((a) => a.status === 201).map((a) => a.body.orderId as string);
        assert.equal(new Set(created).size, 5);
        const orders = await ordersOf(topo, 5);
        for (const id of created) assert.ok(orders.includes(id), `order ${id} of round ${round} is stored`);
        assert.equal(orders.length, 5 * (round + 1), `round ${round}: one order per 201, none more`);
      }
    });

    it('1,000 buyers for 200 copies: exactly 200 × 201, 800 × 409, no 5xx', async () => {
      const before = (await ordersOf(topo, 6)).length;
      const r = await flashSale(topo, 6, 200, 1000);
      assert.deepEqual(r.counts, { 201: 200, 409: 800 }, describeErrors(r));
      assert.equal(r.finalStock, 0);
      assert.equal((await ordersOf(topo, 6)).length - before, 200);
    });
  });
}
