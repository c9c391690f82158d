// Per-client rate limits: over its purchase or request limit a client gets 429 with Retry-After and nothing is done;
// with Redis the counts are shared by every frontend pod (should Redis go, each pod counts alone); the probes and the
// catalog pods' pushes (from the same address here) never count; behind a trusted proxy the forwarded address is
// the client.
import { strict as assert } from 'node:assert';
import { BazarTopology, callJson, type JsonResponse } from '@bazar/harness';

const limits = { RATE_LIMIT_REQUESTS: '20', RATE_LIMIT_PURCHASES: '3', RATE_LIMIT_WINDOW_S: '600' };

function assertLimited(res: JsonResponse, what: string): void {
  assert.equal(res.status, 429, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error.code, 'rate_limited');
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 600, `Retry-After ${res.headers.get('retry-after')}`);
}

describe('rate limits', function () {
  this.timeout(180_000);

  describe('shared through Redis by two frontend pods', () => {
    let topo: BazarTopology;
    const fe = (i: number) => topo.frontends[i % 2]!.url;

    before(async () => {
      topo = await BazarTopology.start({ redis: true, frontends: 2, frontendEnv: limits });
    });
    after(async () => {
      await topo?.stop();
    });

    it('the fourth purchase, through either pod, is 429 and buys nothing; probes and pushes never count', async () => {
      const stock = async () =>
        (await callJson('GET', `${fe(0)}/info/2`, { headers: { 'x-forwarded-for': 'ignored' } })).body
          .quantity as number;
      const before = await stock();
      for (let i = 0; i < 3; i++) {
        const res = await callJson('POST', `${fe(i)}/purchase/2`, { headers: { cookie: topo.customer() } });
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }
      // Each purchase made the catalog push an invalidation to both pods, from this same address: not counted.
      const fourth = await callJson('POST', `${fe(1)}/purchase/2`, { headers: { cookie: topo.customer() } });
      assertLimited(fourth, 'fourth purchase');
      assert.match(fourth.body.error.message, /at most 3 per 600 s/);
      assert.equal(await stock(), before - 3, 'the refused purchase bought nothing');
      for (const probe of ['/healthz', '/readyz'])
        assert.equal((await callJson('GET', `${fe(0)}${probe}`)).status, 200, probe);
    });

    it('requests: the limit is one budget across both pods', async () => {
      // 2 stock reads and 4 purchases above, plus these: the 21st request overall is refused, on either pod.
      let answered = 6;
      for (; answered < 20; answered++) {
        const res = await callJson('GET', `${fe(answered)}/openapi.json`);
        assert.equal(res.status, 200, `request ${answered + 1}: ${res.status}`);
      }
      assertLimited(await callJson('GET', `${fe(0)}/info/1`), 'request 21 on pod 0');
      assertLimited(await callJson('GET', `${fe(1)}/search/distributed%20systems`), 'request 22 on pod 1');
    });

    it('with Redis gone, each pod counts in memory: answers go on, never a 5xx from the limiter', async () => {
      await topo.redis!.stop();
      const res = await callJson('GET', `${fe(0)}/openapi.json`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
    });
  });

  describe('behind a proxy', () => {
    let topo: BazarTopology;

    before(async () => {
      topo = await BazarTopology.start({
        frontends: 2,
        frontendEnv: limits,
        frontendEnvAt: (i) => (i === 0 ? { TRUST_PROXY_HOPS: '1' } : undefined),
      });
    });
    after(async () => {
      await topo?.stop();
    });

    it('with one trusted hop each forwarded address is its own client; untrusted, the header changes nothing', async () => {
      const buy = (pod: number, forwardedFor: string) =>
        callJson('POST', `${topo.frontends[pod]!.url}/purchase/3`, {
          headers: { cookie: topo.customer(), 'x-forwarded-for': forwardedFor },
        });
      for (let i = 0; i < 3; i++) assert.equal((await buy(0, '203.0.113.7')).status, 201);
      assertLimited(await buy(0, '203.0.113.7'), 'fourth purchase of one forwarded client');
      assert.equal((await buy(0, '203.0.113.8')).status, 201, 'another forwarded client');
      // Pod 1 trusts no proxy: the header is the client's own claim, so it does not pick a new budget.
      for (let i = 0; i < 3; i++) assert.equal((await buy(1, `198.51.100.${i}`)).status, 201);
      assertLimited(await buy(1, '198.51.100.99'), 'fourth purchase on pod 1, whatever the header says');
    });
  });
});
