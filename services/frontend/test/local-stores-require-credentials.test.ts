// The stores `npm start` runs on loopback require credentials generated per run, so another local user can neither
// change the books behind the services' backs nor poison the cache; and an entry in Redis that is not what a
// frontend writes is never served.
import { strict as assert } from 'node:assert';
import { connect } from 'node:net';
import { createClient } from '@redis/client';
import { BazarTopology, callJson } from '@bazar/harness';
import { Client } from 'pg';

/** Sends raw RESP commands without authenticating; resolves with the first reply line. */
function unauthenticated(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`));
    let reply = '';
    socket.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\r\n')) {
        socket.end();
        resolve(reply.split('\r\n')[0]!);
      }
    });
    socket.on('error', reject);
  });
}

describe('local stores: credentials required, malformed cache entries never served', function () {
  this.timeout(120_000);
  let topo: BazarTopology;
  const fe = () => topo.frontends[0]!.url;

  before(async () => {
    topo = await BazarTopology.start({
      database: 'embedded',
      redis: true,
      frontends: 1,
      catalogs: 1,
      orders: 1,
    });
  });
  after(async () => {
    await topo?.stop();
  });

  it('the embedded database refuses a connection without the password (SCRAM-SHA-256), and takes the right one', async () => {
    const url = new URL(topo.envFor('catalog', 'probe').DATABASE_URL!);
    assert.ok(url.password.length >= 32, 'a generated password');
    for (const password of ['x', 'embedded', 'postgres']) {
      const guess = new URL(url);
      guess.password = password;
      const client = new Client({ connectionString: guess.toString(), connectionTimeoutMillis: 10_000 });
      client.on('error', () => undefined);
      await assert.rejects(client.connect(), (err: { code?: string }) => {
        assert.equal(err.code, '28P01', `password "${password}": ${String(err)}`);
        return true;
      });
    }
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    try {
      assert.equal((await client.query('SELECT count(*)::int AS n FROM books')).rows[0].n, 7);
    } finally {
      await client.end();
    }
  });

  it('Redis refuses every command without the password', async () => {
    const port = topo.redis!.port;
    assert.match(await unauthenticated(port, 'PING'), /^-NOAUTH/);
    assert.match(await unauthenticated(port, 'SET bazar::book:1 x'), /^-NOAUTH/);
    assert.match(await unauthenticated(port, 'KEYS *'), /^-NOAUTH/);
  });

  it('an entry in Redis that is not a well-formed book is taken for a miss and overwritten', async () => {
    const truth = (await callJson('GET', `${fe()}/info/1`)).body;
    assert.equal((await callJson('GET', `${fe()}/info/1`)).headers.get('x-cache'), 'HIT');
    const redis = createClient({ url: topo.redis!.url });
    await redis.connect();
    try {
      const [key] = await redis.keys('*book:1');
      assert.ok(key, 'the entry is in Redis');
      const poison = [
        'not json',
        JSON.stringify({ value: { ...truth, price: 'free' }, expires: null }),
        JSON.stringify({ value: { ...truth, price: 0.01, evil: true }, expires: null }),
        JSON.stringify({ value: [truth], expires: null }),
      ];
      for (const bad of poison) {
        await redis.set(key, bad);
        const read = await callJson('GET', `${fe()}/info/1`);
        assert.equal(read.status, 200, JSON.stringify(read.body));
        assert.equal(read.headers.get('x-cache'), 'MISS', bad);
        assert.deepEqual(read.body, truth, 'the catalog’s book, not the entry');
        assert.equal((await callJson('GET', `${fe()}/info/1`)).headers.get('x-cache'), 'HIT', 'refilled');
      }
    } finally {
      await redis.close();
    }
    const metrics = await (await fetch(`${topo.frontends[0]!.metricsUrl}/metrics`)).text();
    assert.match(metrics, /^bazar_cache_rejected_entries_total 4$/m);
  });
});
