// Shoppers have an identity (an anonymous customer session in a signed cookie): purchases, Idempotency-Keys and
// the order history are theirs; only the admin token lists every order; a key reused by another customer reveals
// nothing; a forged cookie is no session.
import { strict as assert } from 'node:assert';
import { BazarTopology, callJson, customerCookieName } from '@bazar/harness';

/** The `name=value` pairs of the Set-Cookie headers, as a Cookie header a browser would send back. */
function cookieFrom(headers: Headers): string {
  return headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
}

describe('customer sessions: purchases and orders are the shopper’s own', function () {
  this.timeout(120_000);
  let topo: BazarTopology;
  const fe = (i = 0) => topo.frontends[i]!.url;
  const ids = (page: { items: { orderId: string }[] }) => page.items.map((o) => o.orderId).sort();

  before(async () => {
    topo = await BazarTopology.start({ frontends: 2 });
  });
  after(async () => {
    await topo?.stop();
  });

  it('a first purchase starts a session: a signed, HttpOnly, SameSite=Strict cookie that every frontend pod honours', async () => {
    const first = await callJson('POST', `${fe(0)}/purchase/1`);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const setCookie = first.headers.getSetCookie().find((c) => c.startsWith(`${customerCookieName}=`));
    assert.ok(setCookie, 'a session cookie was set');
    assert.match(setCookie, /; httponly/i);
    assert.match(setCookie, /; samesite=strict/i);
    assert.match(setCookie, /; path=\//i);
    const cookie = cookieFrom(first.headers);
    assert.match(cookie, new RegExp(`${customerCookieName}\\.sig=`), 'the value is signed');

    // The other pod knows the shopper: the history lists the order, and a replay of the key is that order.
    const history = await callJson('GET', `${fe(1)}/orders`, { headers: { cookie } });
    assert.deepEqual(ids(history.body), [first.body.orderId]);
    const key = first.headers.get('idempotency-key')!;
    const replay = await callJson('POST', `${fe(1)}/purchase/1`, {
      headers: { cookie, 'Idempotency-Key': key },
    });
    assert.equal(replay.status, 200);
    assert.equal(replay.body.orderId, first.body.orderId);
    assert.deepEqual(replay.headers.getSetCookie(), [], 'a known shopper gets no new session');
  });

  it('the same key from another customer is another purchase, and nobody sees another’s orders', async () => {
    const alice = topo.customer();
    const bob = topo.customer();
    const key = { 'Idempotency-Key': 'cart-1' };
    const a = await callJson('POST', `${fe(0)}/purchase/2`, { headers: { ...key, cookie: alice } });
    const b = await callJson('POST', `${fe(1)}/purchase/2`, { headers: { ...key, cookie: bob } });
    assert.equal(a.status, 201);
    assert.equal(b.status, 201, 'not a replay of Alice’s order');
    assert.notEqual(a.body.orderId, b.body.orderId);
    // Bob cannot read Alice's order, by id or in his history; a visitor without a session sees nothing.
    const peek = await callJson('GET', `${fe(0)}/orders/${a.body.orderId}`, { headers: { cookie: bob } });
    assert.equal(peek.status, 404);
    assert.equal(peek.body.error.code, 'not_found');
    assert.deepEqual(ids((await callJson('GET', `${fe(0)}/orders`, { headers: { cookie: bob } })).body), [
      b.body.orderId,
    ]);
    assert.equal((await callJson('GET', `${fe(0)}/orders/${a.body.orderId}`)).status, 404);
    assert.deepEqual((await callJson('GET', `${fe(0)}/orders`)).body, { items: [], nextCursor: null });
    // Alice sees hers.
    const own = await callJson('GET', `${fe(1)}/orders/${a.body.orderId}`, { headers: { cookie: alice } });
    assert.equal(own.status, 200);
    assert.equal(own.body.orderId, a.body.orderId);
  });

  it('the admin token lists every order; a wrong token is 401, not a shopper view', async () => {
    const alice = topo.customer();
    const bob = topo.customer();
    const a = await callJson('POST', `${fe(0)}/purchase/3`, { headers: { cookie: alice } });
    const b = await callJson('POST', `${fe(0)}/purchase/3`, { headers: { cookie: bob } });
    const all = new Set<string>();
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const q: string = cursor ? `?limit=500&cursor=${cursor}` : '?limit=500';
      const page = await callJson('GET', `${fe(1)}/orders${q}`, { token: topo.adminToken });
      assert.equal(page.status, 200);
      for (const o of page.body.items) all.add(o.orderId);
      cursor = page.body.nextCursor;
    }
    assert.ok(all.has(a.body.orderId) && all.has(b.body.orderId));
    assert.equal(
      (await callJson('GET', `${fe(0)}/orders/${a.body.orderId}`, { token: topo.adminToken })).status,
      200,
    );
    const wrong = await callJson('GET', `${fe(0)}/orders`, { token: 'not-the-admin-token-at-all' });
    assert.equal(wrong.status, 401);
  });

  it('a forged or tampered cookie is no session: its orders are not shown and a purchase starts a new one', async () => {
    const alice = topo.customer();
    const bought = await callJson('POST', `${fe(0)}/purchase/4`, { headers: { cookie: alice } });
    assert.equal(bought.status, 201);
    const aliceId = /bazar_customer=([^;]+)/.exec(alice)![1]!;
    const forged = [
      `${customerCookieName}=${aliceId}`, // no signature
      `${customerCookieName}=${aliceId}; ${customerCookieName}.sig=AAAAAAAAAAAAAAAAAAAAAAAAAAA`, // a wrong one
      topo.customer('not-a-uuid'), // signed, but not an id this service makes
    ];
    for (const cookie of forged) {
      const history = await callJson('GET', `${fe(0)}/orders`, { headers: { cookie } });
      assert.deepEqual(history.body, { items: [], nextCursor: null }, cookie);
      assert.equal(
        (await callJson('GET', `${fe(0)}/orders/${bought.body.orderId}`, { headers: { cookie } })).status,
        404,
      );
    }
    const fresh = await callJson('POST', `${fe(0)}/purchase/4`, { headers: { cookie: forged[1]! } });
    assert.equal(fresh.status, 201);
    assert.notEqual(cookieFrom(fresh.headers), '', 'a new session was started');
  });
});
