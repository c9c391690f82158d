// The OpenAPI document says what the frontend really answers: every documented operation is called on a real
// topology, success and the main errors alike, and each response is checked against the document (status
// documented for the operation, body by the schema of that status and media type, required headers present and
// valid). Requests are checked too: what the server accepts conforms to the document, and what it rejects as bad
// input does not. /openapi.json must serve this very document, and the document must be valid OpenAPI.
import { strict as assert } from 'node:assert';
import { BazarTopology, callJson, type CallOptions, type JsonResponse } from '@bazar/harness';
import { openApiDocument } from '../src/api/openapi';
import { OpenApiContract } from './support/openapi-contract';

/** Codes that say the request broke the documented input rules. */
const inputErrorCodes = new Set(['invalid_input', 'invalid_idempotency_key', 'invalid_json']);

interface Expect {
  status: number;
  code?: string;
}

interface Case extends Expect {
  name: string;
  method: string;
  path: string;
  opts?: CallOptions;
  admin?: boolean;
}

const uuid = () => crypto.randomUUID();
const fiveMegabytes = JSON.stringify({ price: 1, pad: 'x'.repeat(5 * 1024 * 1024) });

// Requests whose answer does not depend on what ran before.
const independentCases: Case[] = [
  { name: 'liveness', method: 'GET', path: '/healthz', status: 200 },
  { name: 'readiness', method: 'GET', path: '/readyz', status: 200 },
  { name: 'replicas', method: 'GET', path: '/replicas', status: 200, admin: true },
  {
    name: 'replicas without the admin token',
    method: 'GET',
    path: '/replicas',
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'orders with a token that is not the admin’s',
    method: 'GET',
    path: '/orders',
    opts: { token: 'not-the-admin-token' },
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'an order with a token that is not the admin’s',
    method: 'GET',
    path: '/orders/00000000-0000-4000-8000-000000000000',
    opts: { token: 'not-the-admin-token' },
    status: 401,
    code: 'unauthorized',
  },
  { name: 'unknown topic', method: 'GET', path: '/search/no%20such%20topic', status: 200 },
  { name: 'non-numeric book id', method: 'GET', path: '/info/abc', status: 400, code: 'invalid_input' },
  { name: 'unknown book', method: 'GET', path: '/info/424242', status: 404, code: 'not_found' },
  { name: 'blank topic', method: 'GET', path: '/search/%20%20', status: 400, code: 'invalid_input' },
  {
    name: 'update from another site',
    method: 'PATCH',
    path: '/books/1',
    admin: true,
    opts: { body: { price: 3 }, headers: { origin: 'null' } },
    status: 403,
    code: 'cross_site_request',
  },
  {
    name: 'purchase from another site',
    method: 'POST',
    path: '/purchase/1',
    opts: { headers: { origin: 'http://evil.example' } },
    status: 403,
    code: 'cross_site_request',
  },
  { name: 'limit 0', method: 'GET', path: '/search/x?limit=0', status: 400, code: 'invalid_input' },
  { name: 'limit 501', method: 'GET', path: '/orders?limit=501', status: 400, code: 'invalid_input' },
  {
    name: 'unknown query parameter',
    method: 'GET',
    path: '/search/x?sort=id',
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'forged search cursor',
    method: 'GET',
    path: '/search/x?cursor=bm9wZQ',
    status: 400,
    code: 'invalid_cursor',
  },
  {
    name: 'forged order cursor',
    method: 'GET',
    path: '/orders?cursor=bm9wZQ',
    status: 400,
    code: 'invalid_cursor',
  },
  { name: 'non-UUID order id', method: 'GET', path: '/orders/42', status: 400, code: 'invalid_input' },
  {
    name: 'unknown order',
    method: 'GET',
    path: '/orders/00000000-0000-4000-8000-000000000000',
    status: 404,
    code: 'not_found',
  },
  { name: 'purchase of book 0', method: 'POST', path: '/purchase/0', status: 400, code: 'invalid_input' },
  {
    name: 'purchase of an unknown book',
    method: 'POST',
    path: '/purchase/424242',
    status: 404,
    code: 'not_found',
  },
  {
    name: 'idempotency key with a space',
    method: 'POST',
    path: '/purchase/1',
    opts: { headers: { 'Idempotency-Key': 'a b' } },
    status: 400,
    code: 'invalid_idempotency_key',
  },
  {
    name: 'purchase with a 5 MB body',
    method: 'POST',
    path: '/purchase/1',
    opts: { rawBody: fiveMegabytes },
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'purchase with a text body',
    method: 'POST',
    path: '/purchase/1',
    opts: { rawBody: 'one please', headers: { 'content-type': 'text/plain' } },
    status: 415,
    code: 'unsupported_media_type',
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
    opts: { body: { price: 1 }, token: 'not-the-admin-token' },
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'empty update',
    method: 'PATCH',
    path: '/books/1',
    admin: true,
    opts: { body: {} },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'quantity and quantityDelta together',
    method: 'PATCH',
    path: '/books/1',
    admin: true,
    opts: { body: { quantity: 5, quantityDelta: 1 } },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'negative price',
    method: 'PATCH',
    path: '/books/1',
    admin: true,
    opts: { body: { price: -1 } },
    status: 400,
    code: 'invalid_input',
  },
  {
    name: 'unknown field',
    method: 'PATCH',
    path: '/books/1',
    admin: true,
    opts: { body: { title: 'x' } },
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
    name: 'update of an unknown book',
    method: 'PATCH',
    path: '/books/424242',
    admin: true,
    opts: { body: { price: 10 } },
    status: 404,
    code: 'not_found',
  },
  {
    name: 'update with a 5 MB body',
    method: 'PATCH',
    path: '/books/1',
    admin: true,
    opts: { rawBody: fiveMegabytes },
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'update with an XML body',
    method: 'PATCH',
    path: '/books/1',
    admin: true,
    opts: { rawBody: '<price>1</price>', headers: { 'content-type': 'application/xml' } },
    status: 415,
    code: 'unsupported_media_type',
  },
];

/** Documented answers this test cannot provoke on a healthy loopback topology. */
const notProvokedHere = (key: string, status: string) =>
  status === '500' || (key === 'GET /readyz' && status === '503');

describe('the OpenAPI document matches what the frontend answers', function () {
  this.timeout(120_000);
  const contract = new OpenApiContract(openApiDocument);
  let topo: BazarTopology;
  /** One shopper's session cookie: purchases and order history are theirs. */
  let shopper: string;
  /** The pod under test; the last test moves to frontend-1, whose rate limit is one request. */
  let pod = 0;
  const fe = () => topo.frontends[pod]!.url;

  /** Calls the frontend, expects `want`, and checks request and response against the document. */
  async function exchange(
    method: string,
    path: string,
    want: Expect,
    opts: CallOptions = {},
  ): Promise<JsonResponse> {
    const url = `${fe()}${path}`;
    const res = await callJson(method, url, opts);
    assert.equal(res.status, want.status, `${method} ${path}: ${JSON.stringify(res.body)}`);
    if (want.code) assert.equal(res.body?.error?.code, want.code, JSON.stringify(res.body));
    assert.deepEqual(
      contract.responseProblems(method, url, res),
      [],
      `${method} ${path} answered off the document`,
    );
    const sent = sentRequest(opts);
    const requestProblems = contract.requestProblems(method, url, sent);
    if (res.status < 300)
      assert.deepEqual(requestProblems, [], `${method} ${path} was accepted but breaks the document`);
    if (inputErrorCodes.has(res.body?.error?.code))
      assert.notDeepEqual(requestProblems, [], `${method} ${path} was rejected but conforms to the document`);
    return res;
  }

  before(async () => {
    topo = await BazarTopology.start({
      frontends: 2,
      catalogs: 1,
      orders: 1,
      frontendEnvAt: (i) => (i === 1 ? { RATE_LIMIT_REQUESTS: '1', RATE_LIMIT_WINDOW_S: '3600' } : undefined),
    });
    shopper = topo.customer();
  });
  after(async () => {
    await topo?.stop();
  });

  it('is a valid OpenAPI 3.1 document whose schemas all compile', async () => {
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const result = await new Validator().validate(
      JSON.parse(JSON.stringify(openApiDocument)) as Record<string, unknown>,
    );
    assert.ok(result.valid, JSON.stringify(result.errors, null, 2));
    contract.compileAll();
    assert.ok(
      !Object.keys(openApiDocument.paths).some((p) => p.startsWith('/internal')),
      'internal paths leaked',
    );
  });

  it('is what GET /openapi.json serves', async () => {
    const res = await exchange('GET', '/openapi.json', { status: 200 });
    assert.deepEqual(res.body, JSON.parse(JSON.stringify(openApiDocument)));
  });

  for (const c of independentCases) {
    it(`${c.method} ${c.path.slice(0, 60)}: ${c.name} → ${c.status}${c.code ? ` ${c.code}` : ''}`, async () => {
      await exchange(c.method, c.path, c, { ...c.opts, token: c.admin ? topo.adminToken : c.opts?.token });
    });
  }

  it('search pages through a topic, answering MISS then HIT', async () => {
    const first = await exchange('GET', '/search/Distributed%20Systems?limit=2', { status: 200 });
    assert.equal(first.headers.get('x-cache'), 'MISS');
    assert.equal(first.body.items.length, 2);
    assert.equal(typeof first.body.nextCursor, 'string');
    const again = await exchange('GET', '/search/Distributed%20Systems?limit=2', { status: 200 });
    assert.equal(again.headers.get('x-cache'), 'HIT');
    const cursor = encodeURIComponent(first.body.nextCursor);
    const last = await exchange('GET', `/search/Distributed%20Systems?limit=2&cursor=${cursor}`, {
      status: 200,
    });
    assert.equal(last.body.nextCursor, null);
  });

  it('info answers MISS then HIT', async () => {
    assert.equal((await exchange('GET', '/info/1', { status: 200 })).headers.get('x-cache'), 'MISS');
    assert.equal((await exchange('GET', '/info/1', { status: 200 })).headers.get('x-cache'), 'HIT');
  });

  it('purchases: 201, then 200 for a replay of the key, 409 for the key on another book', async () => {
    const key = { headers: { 'Idempotency-Key': `contract-${uuid()}`, cookie: shopper } };
    const first = await exchange('POST', '/purchase/2', { status: 201 }, key);
    assert.equal(first.headers.get('idempotency-key'), key.headers['Idempotency-Key']);
    const replay = await exchange('POST', '/purchase/2', { status: 200 }, key);
    assert.deepEqual(replay.body, first.body);
    await exchange('POST', '/purchase/4', { status: 409, code: 'idempotency_conflict' }, key);
    const keyless = await exchange('POST', '/purchase/6', { status: 201 }, { headers: { cookie: shopper } });
    assert.ok(keyless.headers.get('idempotency-key'));
  });

  it('orders: a page newest first, the next page, and one order', async () => {
    const mine = { headers: { cookie: shopper } };
    const page = await exchange('GET', '/orders?limit=1', { status: 200 }, mine);
    assert.equal(page.body.items.length, 1);
    const next = await exchange(
      'GET',
      `/orders?limit=1&cursor=${encodeURIComponent(page.body.nextCursor)}`,
      { status: 200 },
      mine,
    );
    assert.ok(next.body.items[0].createdAt <= page.body.items[0].createdAt);
    await exchange('GET', `/orders/${page.body.items[0].orderId}`, { status: 200 }, mine);
    await exchange('GET', '/orders', { status: 200 }, { token: topo.adminToken });
    await exchange('GET', '/orders', { status: 200 }); // a visitor without a session: no orders
  });

  it('admin updates; an emptied book is out of stock; stock cannot go below zero', async () => {
    const admin = (body: unknown): CallOptions => ({ token: topo.adminToken, body });
    await exchange('PATCH', '/books/3', { status: 200 }, admin({ price: 42.5 }));
    // Two decimals however large: 329927833.65 × 100 is not an integer in floating point (schemathesis found it).
    await exchange('PATCH', '/books/3', { status: 200 }, admin({ price: 329927833.65 }));
    await exchange('PATCH', '/books/3', { status: 400, code: 'invalid_input' }, admin({ price: 12.345 }));
    const emptied = await exchange('PATCH', '/books/3', { status: 200 }, admin({ quantity: 0 }));
    assert.equal(emptied.body.quantity, 0);
    await exchange('POST', '/purchase/3', { status: 409, code: 'out_of_stock' });
    await exchange(
      'PATCH',
      '/books/3',
      { status: 409, code: 'insufficient_stock' },
      admin({ quantityDelta: -1 }),
    );
    await exchange('PATCH', '/books/3', { status: 200 }, admin({ quantityDelta: 5 }));
  });

  it('cache stats after the reads above', async () => {
    const stats = await exchange('GET', '/cache/stats', { status: 200 });
    assert.ok(stats.body.hits > 0 && stats.body.misses > 0);
  });

  it('503 when the order and catalog pods are gone, and /replicas shows them ejected', async () => {
    await Promise.all([topo.orders[0]!.kill(), topo.catalogs[0]!.kill()]);
    const unavailable = { status: 503, code: 'upstream_unavailable' };
    await exchange('POST', '/purchase/1', unavailable);
    await exchange('GET', '/orders', unavailable, { headers: { cookie: shopper } });
    await exchange('GET', `/orders/${uuid()}`, unavailable, { headers: { cookie: shopper } });
    await exchange('GET', '/info/7', unavailable);
    await exchange('GET', '/search/nothing%20cached', unavailable);
    await exchange('PATCH', '/books/1', unavailable, { token: topo.adminToken, body: { price: 10 } });
    const replicas = await exchange('GET', '/replicas', { status: 200 }, { token: topo.adminToken });
    assert.equal(replicas.body.catalog[0].healthy, false);
  });

  it('every operation but the probes answers 429 with Retry-After once the client is over its limit', async () => {
    pod = 1;
    await exchange('GET', '/healthz', { status: 200 }); // probes never count
    await exchange('GET', '/cache/stats', { status: 200 }); // the one request the limit allows
    const limited = { status: 429, code: 'rate_limited' };
    const admin = { token: topo.adminToken, body: { price: 10 } };
    for (const [method, path, opts] of [
      ['GET', '/search/distributed%20systems', {}],
      ['GET', '/info/1', {}],
      ['POST', '/purchase/1', { headers: { cookie: shopper } }],
      ['PATCH', '/books/1', admin],
      ['GET', '/orders', { headers: { cookie: shopper } }],
      ['GET', `/orders/${uuid()}`, { headers: { cookie: shopper } }],
      ['GET', '/cache/stats', {}],
      ['GET', '/replicas', { token: topo.adminToken }],
      ['GET', '/openapi.json', {}],
    ] as [string, string, CallOptions][]) {
      const res = await exchange(method, path, limited, opts);
      assert.ok(Number(res.headers.get('retry-after')) > 0, `${method} ${path}: Retry-After`);
    }
    await exchange('GET', '/readyz', { status: 200 });
  });

  it('every documented operation and answer was seen, except those that cannot be provoked here', () => {
    const missing: string[] = [];
    for (const [path, item] of Object.entries(openApiDocument.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const key = `${method.toUpperCase()} ${path}`;
        for (const status of Object.keys(op.responses)) {
          if (!contract.seen.get(key)?.has(Number(status)) && !notProvokedHere(key, status))
            missing.push(`${key} ${status}`);
        }
      }
    }
    assert.deepEqual(missing, []);
  });
});

function sentRequest(opts: CallOptions) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json';
  return { headers, body };
}
