// I2 at service level: once a write is acknowledged by one catalog pod, a read through the other never shows
// anything older — with the replica healthy, and with the replica streaming but not applying (stalled).
import { strict as assert } from 'node:assert';
import { BazarTopology, callJson, waitFor } from '@bazar/harness';

describe('I2: read-after-write across catalog pods', function () {
  this.timeout(180_000);
  let topo: BazarTopology;
  const catalog = (i: number) => topo.catalogs[i % 2]!.url;
  const replication = async (i: number) =>
    (await callJson('GET', `${catalog(i)}/replication`, { token: topo.token })).body;

  before(async () => {
    topo = await BazarTopology.start({ orders: 0 });
    // both pods must hold a replica read lease, or this would only test the primary
    await waitFor(
      'both catalog pods to hold a replica read lease',
      async () =>
        (await replication(0)).replica.replicaReadable && (await replication(1)).replica.replicaReadable,
      { timeoutMs: 10_000 },
    );
  });
  after(async () => {
    await topo?.stop();
  });

  async function writeThenReadRounds(rounds: number) {
    for (let i = 0; i < rounds; i++) {
      const body = i % 2 === 0 ? { price: 10 + (i % 50) } : { quantityDelta: 1 };
      const written = await callJson('PATCH', `${catalog(i)}/books/1`, { token: topo.token, body });
      assert.equal(written.status, 200, JSON.stringify(written.body));
      const read = await callJson('GET', `${catalog(i + 1)}/books/1`, { token: topo.token });
      assert.equal(read.status, 200);
      assert.ok(
        read.body.version >= written.body.version,
        `round ${i}: wrote version ${written.body.version} via ${written.headers.get('x-served-by')}, ` +
          `then read version ${read.body.version} via ${read.headers.get('x-served-by')}`,
      );
    }
  }

  it('200 rounds of write via one pod then read via the other never read an older version', async () => {
    const before = [await replication(0), await replication(1)];
    await writeThenReadRounds(200);
    const after = [await replication(0), await replication(1)];
    const replicaReads =
      after[0].reads.replica + after[1].reads.replica - before[0].reads.replica - before[1].reads.replica;
    assert.ok(replicaReads >= 100, `most reads should have used the replica, got ${replicaReads} of 200`);
  });

  it('holds while the replica streams but has stopped applying WAL (replay paused)', async () => {
    await topo.cluster.query('replica', 'SELECT pg_wal_replay_pause()');
    try {
      await writeThenReadRounds(20);
      const status = await replication(0);
      assert.equal(status.replica.replicaReadable, false, 'a stalled replica must not be read');
    } finally {
      await topo.cluster.query('replica', 'SELECT pg_wal_replay_resume()');
    }
    await topo.cluster.waitReplicaCaughtUp(10_000);
    await waitFor(
      'writes to wait for the standby again once it caught up',
      async () => (await replication(0)).replica.mode === 'sync',
      { timeoutMs: 10_000 },
    );
    await writeThenReadRounds(10);
  });
});

describe('I2: a write the standby did not confirm waits out every replica read lease', function () {
  this.timeout(120_000);
  let topo: BazarTopology;
  const replication = async (i: number) =>
    (await callJson('GET', `${topo.catalogs[i]!.url}/replication`, { token: topo.token })).body;

  before(async () => {
    // A short standby deadline makes the writer give up on the standby while the reader still holds a lease.
    topo = await BazarTopology.start({ orders: 0, catalogEnv: { SYNC_COMMIT_DEADLINE_MS: '20' } });
  });
  after(async () => {
    await topo?.stop();
  });

  it('10 rounds: reader holds a fresh lease, replay stalls, a write lands via the other pod, the reader sees it', async () => {
    for (let round = 0; round < 10; round++) {
      await topo.cluster.waitReplicaCaughtUp(10_000);
      await waitFor(
        'the reader to hold a replica read lease',
        async () => (await replication(1)).replica.replicaReadable,
        {
          timeoutMs: 10_000,
          intervalMs: 5,
        },
      );
      await topo.cluster.query('replica', 'SELECT pg_wal_replay_pause()');
      try {
        const written = await callJson('PATCH', `${topo.catalogs[0]!.url}/books/1`, {
          token: topo.token,
          body: { quantityDelta: 1 },
        });
        assert.equal(written.status, 200);
        const read = await callJson('GET', `${topo.catalogs[1]!.url}/books/1`, { token: topo.token });
        assert.ok(
          read.body.version >= written.body.version,
          `round ${round}: wrote version ${written.body.version}, then read ${read.body.version}`,
        );
      } finally {
        await topo.cluster.query('replica', 'SELECT pg_wal_replay_resume()');
      }
    }
  });
});
