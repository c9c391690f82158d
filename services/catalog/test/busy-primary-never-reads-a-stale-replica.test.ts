// I2 with a busy primary (issue 17, hole 3): when the primary's pool has no free connection and the replica lags
// (no read lease), a read is answered 503 `database_busy` — never from the replica, which may lack an acknowledged
// write. Replay is paused on the replica for real, and the pool (2 connections, 100 ms to get one) is flooded.
import { strict as assert } from 'node:assert';
import { BazarTopology, callJson } from '@bazar/harness';

describe('I2: a busy primary never sends reads to a lagging replica', function () {
  this.timeout(120_000);
  let topo: BazarTopology;
  const catalog = () => topo.catalogs[0]!.url;

  before(async () => {
    topo = await BazarTopology.start({
      catalogs: 1,
      orders: 0,
      catalogEnv: { DB_POOL_MAX: '2', DB_CONNECT_TIMEOUT_MS: '100' },
    });
  });
  after(async () => {
    await topo?.cluster.query('replica', 'SELECT pg_wal_replay_resume()').catch(() => undefined);
    await topo?.stop();
  });

  it('the pool exhausted while replay is paused: every read shows the acknowledged write, or is database_busy', async () => {
    await topo.cluster.query('replica', 'SELECT pg_wal_replay_pause()');
    const written = await callJson('PATCH', `${catalog()}/books/1`, {
      token: topo.token,
      body: { price: 33.33 },
    });
    assert.equal(written.status, 200, JSON.stringify(written.body));
    const reads = await Promise.all(
      Array.from({ length: 400 }, () => callJson('GET', `${catalog()}/books/1`, { token: topo.token })),
    );
    const stale = reads.filter((r) => r.status === 200 && r.body.version < written.body.version);
    assert.deepEqual(
      stale.map((r) => r.body.version),
      [],
      `read older than the acknowledged version ${written.body.version}`,
    );
    // No free connection in time is database_busy; a new connection that took too long to open (the loaded
    // machine) cannot tell a busy server from a gone one, and says database_unavailable. Neither is stale.
    const refused = reads.filter((r) => r.status === 503).map((r) => r.body.error.code as string);
    for (const code of refused) assert.ok(code === 'database_busy' || code === 'database_unavailable', code);
    assert.ok(
      refused.includes('database_busy'),
      'the flood exhausted the pool (else this test proves nothing)',
    );
    assert.ok(reads.every((r) => r.status === 200 || r.status === 503));
  });
});
