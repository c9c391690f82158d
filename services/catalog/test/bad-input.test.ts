// I8: malformed ids, bodies, headers, huge payloads and injection strings get a 4xx JSON error, never a crash
// and never a partial write.
import { strict as assert } from 'node:assert';
import { BazarTopology, callJson, type CallOptions } from '@bazar/harness';

interface Case {
  name: string;
  method: string;
  path: string;
  opts?: CallOptions;
  noToken?: boolean;
  status: number;
  code: string;
}

const injection = "1'; DROP TABLE books; --";

const catalogCases: Case[] = [
  { name: 'non-numeric id', method: 'GET', path: '/books/abc', status: 400, code: 'invalid_input' },
  { name: 'zero id', method: 'GET', path: '/books/0', status: 400, code: 'invalid_input' },
  { name: 'negative id', method: 'GET', path: '/books/-1', status: 400, code: 'invalid_input' },
  { name: 'fractional id', method: 'GET', path: '/books/1.5', status: 400, code: 'invalid_input' },
  {
    name: 'huge id',
    method: 'GET',
    path: '/books/99999999999999999999999',
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'injection in id',
    method: 'GET',
    path: `/books/${encodeURIComponent(injection)}`,
    status: 400,
    code: 'invalid_input',
  },
  { name: 'unknown id', method: 'GET', path: '/books/424242', status: 404, code: 'not_found' },
  {
    name: 'empty change',
    method: 'PATCH',
    path: '/books/1',
    opts: { body: {} },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'negative price',
    method: 'PATCH',
    path: '/books/1',
    opts: { body: { price: -5 } },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'zero price',
    method: 'PATCH',
    path: '/books/1',
    opts: { body: { price: 0 } },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'price as string',
    method: 'PATCH',
    path: '/books/1',
    opts: { body: { price: '10' } },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'huge price',
    method: 'PATCH',
    path: '/books/1',
    opts: { body: { price: 1e15 } },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'price with 3 decimals',
    method: 'PATCH',
    path: '/books/1',
    opts: { body: { price: 1.234 } },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'negative quantity',
    method: 'PATCH',
    path: '/books/1',
    opts: { body: { quantity: -1 } },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'fractional quantity',
    method: 'PATCH',
    path: '/books/1',
    opts: { body: { quantity: 1.5 } },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'huge quantity',
    method: 'PATCH',
    path: '/books/1',
    opts: { body: { quantity: 1e12 } },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'quantity and delta',
    method: 'PATCH',
    path: '/books/1',
    opts: { body: { quantity: 1, quantityDelta: 1 } },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'delta below zero',
    method: 'PATCH',
    path: '/books/1',
    opts: { body: { quantityDelta: -1_000_000 } },
    status: 409,
    code: 'insufficient_stock',
  },
  {
    name: 'unknown field',
    method: 'PATCH',
    path: '/books/1',
    opts: { body: { price: 10, title: 'x' } },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'valid field plus injection',
    method: 'PATCH',
    path: '/books/1',
    opts: { body: { quantity: 3, price: injection } },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'array body',
    method: 'PATCH',
    path: '/books/1',
    opts: { body: [{ price: 10 }] },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'null body',
    method: 'PATCH',
    path: '/books/1',
    opts: { rawBody: 'null' },
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'malformed JSON',
    method: 'PATCH',
    path: '/books/1',
    opts: { rawBody: '{"price": ' },
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'not JSON',
    method: 'PATCH',
    path: '/books/1',
    opts: { rawBody: 'price=10', headers: { 'content-type': 'text/plain' } },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'body over the limit',
    method: 'PATCH',
    path: '/books/1',
    opts: { rawBody: JSON.stringify({ price: 10, pad: 'x'.repeat(5_000_000) }) },
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'bad order id',
    method: 'POST',
    path: '/books/1/reservations',
    opts: { body: { orderId: injection } },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'no order id',
    method: 'POST',
    path: '/books/1/reservations',
    opts: { body: {} },
    status: 400,
    code: 'invalid_input',
  },
  { name: 'limit zero', method: 'GET', path: '/books?limit=0', status: 400, code: 'invalid_input' },
  { name: 'limit too large', method: 'GET', path: '/books?limit=100000', status: 400, code: 'invalid_input' },
  { name: 'garbage cursor', method: 'GET', path: '/books?cursor=Zm9v', status: 400, code: 'invalid_cursor' },
  {
    name: 'repeated topic',
    method: 'GET',
    path: '/books?topic=a&topic=b',
    status: 400,
    code: 'invalid_input',
  },
  { name: 'unknown query field', method: 'GET', path: '/books?order=1', status: 400, code: 'invalid_input' },
  { name: 'no token', method: 'GET', path: '/books/1', noToken: true, status: 401, code: 'unauthorized' },
  {
    name: 'wrong token',
    method: 'GET',
    path: '/books/1',
    noToken: true,
    opts: { headers: { authorization: 'Bearer nope' } },
    status: 401,
    code: 'unauthorized',
  },
  { name: 'unknown route', method: 'GET', path: '/nope', status: 404, code: 'not_found' },
  { name: 'wrong method', method: 'DELETE', path: '/books/1', status: 405, code: 'method_not_allowed' },
];

describe('I8: bad input to the catalog and order services', function () {
  this.timeout(120_000);
  let topo: BazarTopology;
  const book = async () =>
    (await callJson('GET', `${topo.catalogs[0]!.url}/books/1`, { token: topo.token })).body;

  before(async () => {
    topo = await BazarTopology.start({ catalogs: 1, orders: 1 });
  });
  after(async () => {
    await topo?.stop();
  });

  for (const c of catalogCases) {
    it(`catalog: ${c.name} → ${c.status} ${c.code}, nothing changed`, async () => {
      const before = await book();
      const res = await callJson(c.method, `${topo.catalogs[0]!.url}${c.path}`, {
        ...c.opts,
        token: c.noToken ? undefined : topo.token,
      });
      assert.equal(res.status, c.status, JSON.stringify(res.body));
      assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(res.body.error.code, c.code);
      assert.equal(typeof res.body.error.message, 'string');
      assert.deepEqual(await book(), before);
    });
  }

  it('an injection string as a topic is just a topic that matches nothing', async () => {
    const res = await callJson(
      'GET',
      `${topo.catalogs[0]!.url}/books?topic=${encodeURIComponent(injection)}`,
      {
        token: topo.token,
      },
    );
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.items, []);
    const all = await callJson('GET', `${topo.catalogs[0]!.url}/books?limit=100`, { token: topo.token });
    assert.equal(all.body.items.length, 7);
  });

  const orderCases: Case[] = [
    {
      name: 'book id as string',
      method: 'POST',
      path: '/orders',
      opts: { body: { bookId: '1' } },
      status: 400,
      code: 'invalid_input',
    },
    {
      name: 'book id zero',
      method: 'POST',
      path: '/orders',
      opts: { body: { bookId: 0 } },
      status: 400,
      code: 'invalid_input',
    },
    {
      name: 'bad order id',
      method: 'POST',
      path: '/orders',
      opts: { body: { bookId: 1, orderId: injection } },
      status: 400,
      code: 'invalid_input',
    },
    {
      name: 'unknown field',
      method: 'POST',
      path: '/orders',
      opts: { body: { bookId: 1, price: 1 } },
      status: 400,
      code: 'invalid_input',
    },
    {
      name: 'unknown book',
      method: 'POST',
      path: '/orders',
      opts: { body: { bookId: 424242 } },
      status: 404,
      code: 'not_found',
    },
    {
      name: 'malformed JSON',
      method: 'POST',
      path: '/orders',
      opts: { rawBody: '{' },
      status: 400,
      code: 'invalid_json',
    },
    {
      name: 'bad order id in path',
      method: 'GET',
      path: `/orders/${encodeURIComponent(injection)}`,
      status: 400,
      code: 'invalid_input',
    },
    {
      name: 'unknown order',
      method: 'GET',
      path: `/orders/${crypto.randomUUID()}`,
      status: 404,
      code: 'not_found',
    },
  ];

  for (const c of orderCases) {
    it(`order: ${c.name} → ${c.status} ${c.code}, no order made`, async () => {
      const before = await book();
      const res = await callJson(c.method, `${topo.orders[0]!.url}${c.path}`, {
        ...c.opts,
        token: topo.token,
      });
      assert.equal(res.status, c.status, JSON.stringify(res.body));
      assert.equal(res.body.error.code, c.code);
      assert.deepEqual(await book(), before);
      const orders = await topo.cluster.query(
        'primary',
        'SELECT count(*)::int AS n FROM orders',
        [],
        'orders',
      );
      assert.equal(orders[0]!.n, 0);
    });
  }

  it('both services are still alive and healthy', async () => {
    for (const pod of [...topo.catalogs, ...topo.orders]) {
      assert.ok(pod.running);
      assert.equal((await callJson('GET', `${pod.url}/healthz`)).status, 200);
    }
  });
});
