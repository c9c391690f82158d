// I1: under any concurrency, successful purchases of a book never exceed its stock.
import { strict as assert } from 'node:assert';
import { BazarTopology, callJson } from '@bazar/harness';

describe('I1: a purchase never oversells', function () {
  this.timeout(120_000);
  let topo: BazarTopology;
  const catalog = (i: number) => topo.catalogs[i % topo.catalogs.length]!.url;
  const order = (i: number) => topo.orders[i % topo.orders.length]!.url;

  before(async () => {
    topo = await BazarTopology.start();
  });
  after(async () => {
    await topo?.stop();
  });

  async function setStock(bookId: number, quantity: number) {
    const res = await callJson('PATCH', `${catalog(0)}/books/${bookId}`, {
      token: topo.token,
      body: { quantity },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }

  async function count(db: 'orders' | 'catalog', sql: string, bookId: number): Promise<number> {
    const rows = await topo.cluster.query<{ n: number }>('primary', sql, [bookId], db);
    return Number(rows[0]!.n);
  }

  it('200 concurrent purchases through both order pods of a book with stock 50: exactly 50 succeed', async () => {
    await setStock(3, 50);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        callJson('POST', `${order(i)}/orders`, { token: topo.token, body: { bookId: 3 } }),
      ),
    );
    const created = results.filter((r) => r.status === 201);
    const soldOut = results.filter((r) => r.status === 409 && r.body?.error?.code === 'out_of_stock');
    assert.equal(created.length, 50, `statuses: ${JSON.stringify(results.map((r) => r.status))}`);
    assert.equal(soldOut.length, 150);
    assert.equal(new Set(created.map((r) => r.body.orderId)).size, 50, 'every success is its own order');

    const book = await callJson('GET', `${catalog(1)}/books/3`, { token: topo.token });
    assert.equal(book.body.quantity, 0);
    assert.equal(await count('orders', 'SELECT count(*) AS n FROM orders WHERE book_id = $1', 3), 50);
    assert.equal(await count('catalog', 'SELECT count(*) AS n FROM reservations WHERE book_id = $1', 3), 50);
  });

  it('200 concurrent reservations straight on both catalog pods of a book with stock 50: exactly 50 succeed', async () => {
    await setStock(4, 50);
    const before = await callJson('GET', `${catalog(0)}/books/4`, { token: topo.token });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        callJson('POST', `${catalog(i)}/books/4/reservations`, {
          token: topo.token,
          body: { orderId: crypto.randomUUID() },
        }),
      ),
    );
    assert.equal(results.filter((r) => r.status === 201).length, 50);
    assert.equal(results.filter((r) => r.status === 409).length, 150);
    const after = await callJson('GET', `${catalog(1)}/books/4`, { token: topo.token });
    assert.equal(after.body.quantity, 0);
    // Reservations waiting together are one batch, one statement and one version: every batch that took copies
    // bumped the version exactly once (its reservations carry that version), and nothing else did.
    const batches = await count(
      'catalog',
      'SELECT count(DISTINCT book_version) AS n FROM reservations WHERE book_id = $1',
      4,
    );
    assert.ok(batches >= 1 && batches <= 50, `${batches} batches`);
    assert.equal(after.body.version, before.body.version + batches);
    assert.equal(await count('catalog', 'SELECT count(*) AS n FROM reservations WHERE book_id = $1', 4), 50);
  });
});
