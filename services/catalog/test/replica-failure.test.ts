// I6/I7 with the replica: SIGKILL it during a stream of writes and reads. Writes keep being acknowledged within
// 2 s, reads keep answering, no acknowledged write goes missing; once it is back it catches up and replica
// reads resume without ever going back in time.
import { strict as assert } from 'node:assert';
import { BazarTopology, callJson, waitFor, type JsonResponse } from '@bazar/harness';

describe('I6/I7: the replica dies and comes back under load', function () {
  this.timeout(180_000);
  let topo: BazarTopology;
  const catalog = (i: number) => topo.catalogs[i % 2]!.url;
  const replication = async (i: number) =>
    (await callJson('GET', `${catalog(i)}/replication`, { token: topo.token })).body;

  before(async () => {
    topo = await BazarTopology.start({ orders: 0 });
  });
  after(async () => {
    await topo?.stop();
  });

  it('keeps acknowledging writes within 2 s and loses none of them', async () => {
    const start = (await callJson('GET', `${catalog(0)}/books/2`, { token: topo.token })).body;
    const writes: JsonResponse[] = [];
    const reads: JsonResponse[] = [];
    let stop = false;

    // 4 writers and 2 readers, spread over both pods, until the writers have made 60 writes past the kill.
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        writes.push(
          await callJson('PATCH', `${catalog(w + i)}/books/2`, {
            token: topo.token,
            body: { quantityDelta: 1 },
          }),
        );
      }
    };
    const reader = async (r: number) => {
      for (let i = 0; !stop; i++)
        reads.push(await callJson('GET', `${catalog(r + i)}/books/2`, { token: topo.token }));
    };
    const load = Promise.all([0, 1, 2, 3].map(writer).concat([0, 1].map(reader)));

    await waitFor('20 writes before the kill', async () => writes.length >= 20, { timeoutMs: 20_000 });
    await topo.cluster.killReplica('SIGKILL');
    const atKill = writes.length;
    await waitFor('60 writes after the kill', async () => writes.length >= atKill + 60, {
      timeoutMs: 60_000,
    });
    stop = true;
    await load;

    const failed = writes.filter((r) => r.status !== 200);
    assert.deepEqual(
      failed.map((r) => r.body),
      [],
      'every write is acknowledged',
    );
    const slowest = Math.max(...writes.map((r) => r.ms));
    assert.ok(slowest < 2000, `slowest write took ${slowest.toFixed(0)} ms`);
    assert.deepEqual(
      reads.filter((r) => r.status !== 200).map((r) => r.body),
      [],
      'every read answers',
    );

    const end = (await callJson('GET', `${catalog(1)}/books/2`, { token: topo.token })).body;
    assert.equal(end.quantity, start.quantity + writes.length, 'every acknowledged increment is there');
    assert.equal(end.version, start.version + writes.length);
  });

  it('once restarted, the replica catches up and serves reads again, never going backwards', async () => {
    const acked = (
      await callJson('PATCH', `${catalog(0)}/books/2`, { token: topo.token, body: { quantityDelta: 1 } })
    ).body;
    const before = [await replication(0), await replication(1)];
    await topo.cluster.startReplica();
    await topo.cluster.waitReplicaStreaming(20_000);
    await waitFor(
      'both pods to read from the replica again',
      async () =>
        (await replication(0)).replica.replicaReadable && (await replication(1)).replica.replicaReadable,
      { timeoutMs: 20_000 },
    );
    let newest = acked.version;
    for (let i = 0; i < 50; i++) {
      const read = await callJson('GET', `${catalog(i)}/books/2`, { token: topo.token });
      assert.ok(
        read.body.version >= newest,
        `read ${i} went back from version ${newest} to ${read.body.version}`,
      );
      newest = read.body.version;
    }
    const after = [await replication(0), await replication(1)];
    const replicaReads =
      after[0].reads.replica + after[1].reads.replica - before[0].reads.replica - before[1].reads.replica;
    assert.ok(replicaReads > 0, 'reads went to the replica again');
    const onReplica = await topo.cluster.query(
      'replica',
      'SELECT version FROM books WHERE id = 2',
      [],
      'catalog',
    );
    assert.equal(
      Number(onReplica[0]!.version),
      acked.version,
      'the replica has the write made while it was down',
    );
  });
});
