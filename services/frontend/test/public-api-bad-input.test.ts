// I8 through the public API: malformed ids, bodies, headers, huge payloads and injection strings get a 4xx
// JSON error; nothing changes and the pods stay up.
import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import { connect } from 'node:net';
import { BazarTopology, callJson, type CallOptions } from '@bazar/harness';

const injection = "1'; DROP TABLE books; --";

interface Case {
  name: string;
  method: string;
  path: string;
  opts?: CallOptions;
  admin?: boolean;
  status: number;
  code: string;
}

const cases: Case[] = [
  { name: 'non-numeric info id', method: 'GET', path: '/info/abc', status: 400, code: 'invalid_input' },
  {
    name: 'injection as info id',
    method: 'GET',
    path: `/info/${encodeURIComponent(injection)}`,
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'huge info id',
    method: 'GET',
    path: '/info/123456789012345678901234567890',
    status: 400,
    code: 'invalid_input',
  },
  { name: 'unknown book', method: 'GET', path: '/info/424242', status: 404, code: 'not_found' },
  { name: 'bad search limit', method: 'GET', path: '/search/x?limit=-1', status: 400, code: 'invalid_input' },
  {
    name: 'bad search cursor',
    method: 'GET',
    path: '/search/x?cursor=%00%01',
    status: 400,
    code: 'invalid_cursor',
  },
  {
    name: 'overlong topic',
    method: 'GET',
    path: `/search/${'t'.repeat(300)}`,
    status: 400,
    code: 'invalid_input',
  },
  { name: 'purchase of a bad id', method: 'POST', path: '/purchase/0', status: 400, code: 'invalid_input' },
  {
    name: 'purchase of an unknown book',
    method: 'POST',
    path: '/purchase/424242',
    status: 404,
    code: 'not_found',
  },
  {
    name: 'idempotency key with control characters',
    method: 'POST',
    path: '/purchase/1',
    opts: { headers: { 'Idempotency-Key': 'a b' } },
    status: 400,
    code: 'invalid_idempotency_key',
  },
  {
    name: 'overlong idempotency key',
    method: 'POST',
    path: '/purchase/1',
    opts: { headers: { 'Idempotency-Key': 'k'.repeat(200) } },
    status: 400,
    code: 'invalid_idempotency_key',
  },
  {
    name: 'update without a token',
    method: 'PATCH',
    path: '/books/1',
    opts: { body: { price: 1 } },
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'update with a wrong token',
    method: 'PATCH',
    path: '/books/1',
    opts: { body: { price: 1 }, headers: { authorization: 'Bearer wrong-token-wrong-token' } },
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'update with a negative price',
    method: 'PATCH',
    path: '/books/1',
    admin: true,
    opts: { body: { price: -1 } },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'update with an unknown field',
    method: 'PATCH',
    path: '/books/1',
    admin: true,
    opts: { body: { title: injection } },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'update with an array body',
    method: 'PATCH',
    path: '/books/1',
    admin: true,
    opts: { body: [1] },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'malformed JSON',
    method: 'PATCH',
    path: '/books/1',
    admin: true,
    opts: { rawBody: '{"price":' },
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'a 5 MB body',
    method: 'PATCH',
    path: '/books/1',
    admin: true,
    opts: { rawBody: JSON.stringify({ price: 1, pad: 'x'.repeat(5 * 1024 * 1024) }) },
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'a non-JSON body',
    method: 'PATCH',
    path: '/books/1',
    admin: true,
    opts: { rawBody: '<xml/>', headers: { 'content-type': 'application/xml' } },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'a bad order id',
    method: 'GET',
    path: `/orders/${encodeURIComponent(injection)}`,
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'an unknown order',
    method: 'GET',
    path: `/orders/${crypto.randomUUID()}`,
    status: 404,
    code: 'not_found',
  },
  {
    name: 'an internal endpoint without the internal token',
    method: 'POST',
    path: '/internal/invalidations',
    opts: { body: {} },
    status: 401,
    code: 'unauthorized',
  },
  { name: 'a NUL byte in a topic', method: 'GET', path: '/search/a%00b', status: 400, code: 'invalid_input' },
  {
    name: 'a purchase body that says gzip and is not',
    method: 'POST',
    path: '/purchase/1',
    opts: {
      rawBody: 'not gzip at all',
      headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' },
    },
    status: 400,
    code: 'invalid_encoding',
  },
  {
    name: 'an update body that says deflate and is not',
    method: 'PATCH',
    path: '/books/1',
    admin: true,
    opts: {
      rawBody: '{"price": 3}',
      headers: { 'content-encoding': 'deflate', 'content-type': 'application/json' },
    },
    status: 400,
    code: 'invalid_encoding',
  },
  {
    name: 'a price that rounds to zero',
    method: 'PATCH',
    path: '/books/1',
    admin: true,
    opts: { body: { price: 1e-9 } },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'a stock beyond the column',
    method: 'PATCH',
    path: '/books/1',
    admin: true,
    opts: { body: { quantity: 3_000_000_000 } },
    status: 400,
    code: 'invalid_input',
  },
  {
    // A valid change that the current stock makes impossible: 409 like a stock below zero, with the limit named.
    name: 'a delta that would overflow the stock',
    method: 'PATCH',
    path: '/books/1',
    admin: true,
    opts: { body: { quantityDelta: 2_147_483_647 } },
    status: 409,
    code: 'stock_limit',
  },
  {
    name: 'an 8,000-deep JSON body',
    method: 'PATCH',
    path: '/books/1',
    admin: true,
    opts: { rawBody: '{"a":'.repeat(8_000) + '1' + '}'.repeat(8_000) },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'malformed JSON without a token (who asks is checked first)',
    method: 'PATCH',
    path: '/books/1',
    opts: { rawBody: '{"price":' },
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'an internal endpoint without the token and with a non-JSON body',
    method: 'POST',
    path: '/internal/invalidations',
    opts: { rawBody: '<xml/>', headers: { 'content-type': 'application/xml' } },
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'a purchase from another site (Origin)',
    method: 'POST',
    path: '/purchase/1',
    opts: { headers: { origin: 'http://evil.example' } },
    status: 403,
    code: 'cross_site_request',
  },
  {
    name: 'a purchase from another site (Sec-Fetch-Site)',
    method: 'POST',
    path: '/purchase/1',
    opts: { headers: { 'sec-fetch-site': 'cross-site' } },
    status: 403,
    code: 'cross_site_request',
  },
  {
    name: 'an update from a sandboxed page (Origin: null)',
    method: 'PATCH',
    path: '/books/1',
    admin: true,
    opts: { body: { price: 3 }, headers: { origin: 'null' } },
    status: 403,
    code: 'cross_site_request',
  },
  { name: 'an unknown route', method: 'GET', path: '/admin', status: 404, code: 'not_found' },
  { name: 'a wrong method', method: 'DELETE', path: '/info/1', status: 405, code: 'method_not_allowed' },
];

describe('I8: bad input through the public API', function () {
  this.timeout(120_000);
  let topo: BazarTopology;
  let ordersMade = 0;
  const fe = () => topo.frontends[0]!.url;
  const book = async () =>
    (await callJson('GET', `${topo.catalogs[0]!.url}/books/1`, { token: topo.token })).body;

  before(async () => {
    topo = await BazarTopology.start({ frontends: 1, catalogs: 1, orders: 1 });
  });
  after(async () => {
    await topo?.stop();
  });

  for (const c of cases) {
    it(`${c.name} → ${c.status} ${c.code}, nothing changed`, async () => {
      const before = await book();
      const res = await callJson(c.method, `${fe()}${c.path}`, {
        ...c.opts,
        token: c.admin ? topo.adminToken : c.opts?.token,
      });
      assert.equal(res.status, c.status, JSON.stringify(res.body));
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(res.body.error.code, c.code, JSON.stringify(res.body));
      assert.deepEqual(await book(), before);
    });
  }

  it('an injection string as a topic is only a topic that matches nothing', async () => {
    const res = await callJson('GET', `${fe()}/search/${encodeURIComponent(injection)}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.items, []);
  });

  it('a 405 names the allowed methods, also for a method the router does not know (TRACE)', async () => {
    const del = await callJson('DELETE', `${fe()}/info/1`);
    assert.equal(del.status, 405);
    assert.match(del.headers.get('allow') ?? '', /GET/);
    const trace = await new Promise<{ status: number; allow: string; body: string }>((resolve, reject) => {
      const req = request(`${fe()}/info/1`, { method: 'TRACE' }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: String(res.headers.allow), body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(trace.status, 405, trace.body);
    assert.match(trace.allow, /GET/);
    assert.equal(JSON.parse(trace.body).error.code, 'method_not_allowed');
  });

  it('a purchase from this site itself is taken', async () => {
    const origin = new URL(fe()).origin;
    const res = await callJson('POST', `${fe()}/purchase/7`, {
      headers: { origin, 'sec-fetch-site': 'same-origin' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    ordersMade++;
  });

  it('a client that trickles its headers is cut off (slowloris)', async () => {
    const { port } = new URL(fe());
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const started = performance.now();
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write('GET /info/1 HTTP/1.1\r\nHost: x\r\n'),
      );
      socket.on('error', () => undefined);
      socket.resume(); // read the server's 408 and its close
      socket.on('close', () => resolve(performance.now() - started));
      setTimeout(
        () => reject(new Error('the server kept a half-sent request open for 25 s')),
        25_000,
      ).unref();
    });
    assert.ok(closedAfter < 25_000, `closed after ${closedAfter.toFixed(0)} ms`);
  });

  it('the bearer scheme is case-insensitive', async () => {
    const current = await book();
    const res = await callJson('PATCH', `${fe()}/books/1`, {
      headers: { authorization: `bearer ${topo.adminToken}` },
      body: { price: current.price },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });

  it('a 503 names no pod address', async () => {
    await topo.catalogs[0]!.kill('SIGKILL');
    try {
      const res = await callJson('GET', `${fe()}/info/2`);
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.doesNotMatch(JSON.stringify(res.body), /127\.0\.0\.1|http:/);
    } finally {
      await topo.catalogs[0]!.start();
    }
  });

  it('no order was made and the pods are still up', async () => {
    const rows = await topo.cluster.query('primary', 'SELECT count(*)::int AS n FROM orders', [], 'orders');
    assert.equal(rows[0]!.n, ordersMade, 'only the same-site purchase made an order');
    for (const pod of [...topo.frontends, ...topo.catalogs, ...topo.orders]) {
      assert.equal((await callJson('GET', `${pod.url}/healthz`)).status, 200);
    }
  });
});
