// The fast path for cache hits (src/api/fast-hits.ts) answers exactly what the middleware chain answers for the
// same hit: status, body bytes and every header but Date, and the same as the miss that filled the entry minus
// X-Cache and the upstream pod in X-Served-By. A request the fast path leaves alone (here: a query string) is a hit
// through the chain, which is what it is compared with. Its hits count against the rate limit like any request.
import { strict as assert } from 'node:assert';
import { BazarTopology, type ServiceProcess } from '@bazar/harness';

interface RawAnswer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

const limit = 40;

async function get(url: string): Promise<RawAnswer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const headers = Object.fromEntries([...res.headers].filter(([name]) => name !== 'date'));
  return { status: res.status, body: await res.text(), headers };
}

async function fastHits(fe: ServiceProcess): Promise<number> {
  const text = await (await fetch(`${fe.metricsUrl}/metrics`)).text();
  return Number(/^bazar_cache_fast_hits_total (\d+)$/m.exec(text)?.[1] ?? NaN);
}

describe('fast cache hits answer like the chain', function () {
  this.timeout(120_000);
  let topo: BazarTopology;
  let fe: ServiceProcess;
  let requests = 0; // answered by the API port so far: each one counts against the rate limit
  const call = (path: string) => {
    requests++;
    return get(`${fe.url}${path}`);
  };

  /** `path` misses, then hits through the fast path, then (with `chainQuery`) hits through the chain. */
  async function missThenHits(path: string, chainQuery: string) {
    const before = await fastHits(fe);
    const miss = await call(path);
    const fast = await call(path);
    assert.equal(await fastHits(fe), before + 1, 'the second read was answered by the fast path');
    const chain = await call(`${path}${chainQuery}`);
    assert.equal(await fastHits(fe), before + 1, 'the read with a query string went through the chain');
    assert.equal(miss.headers['x-cache'], 'MISS');
    assert.equal(chain.headers['x-cache'], 'HIT');
    return { miss, fast, chain };
  }

  function assertSameAsMiss(fast: RawAnswer, miss: RawAnswer) {
    const [pod, upstream] = miss.headers['x-served-by']!.split(', ');
    assert.match(upstream!, /^catalog-\d$/);
    assert.deepEqual(fast, {
      ...miss,
      headers: { ...miss.headers, 'x-cache': 'HIT', 'x-served-by': pod },
    });
  }

  before(async () => {
    topo = await BazarTopology.start({
      frontends: 1,
      rateLimits: true,
      frontendEnv: { RATE_LIMIT_REQUESTS: String(limit), RATE_LIMIT_WINDOW_S: '600' },
    });
    fe = topo.frontends[0]!;
  });
  after(async () => {
    await topo?.stop();
  });

  it('GET /info/:id: the same status, body and headers as the chain and as the miss', async () => {
    const { miss, fast, chain } = await missThenHits('/info/2', '?via=chain');
    assert.equal(fast.status, 200);
    assert.equal(fast.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(fast, chain);
    assertSameAsMiss(fast, miss);
  });

  it('GET /search/:topic: the topic as asked, the page as cached, headers as the chain', async () => {
    // `?limit=50` asks the chain for the same page (and cache entry) as no query string does.
    const { miss, fast, chain } = await missThenHits('/search/distributed%20systems', '?limit=50');
    assert.deepEqual(fast, chain);
    assertSameAsMiss(fast, miss);
    // Another spelling of the topic is the same entry, answered with the topic as this request wrote it.
    const before = await fastHits(fe);
    const spelled = await call('/search/%20Distributed%20Systems');
    const spelledChain = await call('/search/%20Distributed%20Systems?limit=50');
    assert.equal(await fastHits(fe), before + 1);
    assert.equal(JSON.parse(spelled.body).topic, 'Distributed Systems');
    assert.deepEqual(spelled, spelledChain);
  });

  it('what the fast path does not answer gets the chain answer: bad ids, HEAD, unknown books', async () => {
    const before = await fastHits(fe);
    for (const path of ['/info/02', '/info/abc', '/info/1234567890123456']) {
      const res = await call(path);
      assert.equal(res.status, 400, path);
      assert.equal(JSON.parse(res.body).error.code, 'invalid_input', path);
    }
    const unknown = await call('/info/999999');
    assert.equal(unknown.status, 404);
    requests++;
    const head = await fetch(`${fe.url}/info/2`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('x-cache'), 'HIT');
    assert.equal(await fastHits(fe), before, 'none of these went the fast way');
  });

  it('fast hits count against the rate limit: the request over it is 429, from the chain', async () => {
    const before = await fastHits(fe);
    const allowed = limit - requests;
    assert.ok(allowed > 0, `${requests} requests made already`);
    for (let i = 0; i < allowed; i++)
      assert.equal((await call('/info/2')).status, 200, `request ${requests}`);
    const over = await call('/info/2');
    assert.equal(over.status, 429);
    assert.equal(JSON.parse(over.body).error.code, 'rate_limited');
    assert.ok(Number(over.headers['retry-after']) >= 1);
    assert.equal(await fastHits(fe), before + allowed, 'each allowed read a fast hit, the refused one none');
  });
});
