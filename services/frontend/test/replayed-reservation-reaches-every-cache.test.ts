// I2 through a catalog pod killed between its commit and its push (issue 17, hole 1): the order service retries
// the reservation on the other catalog pod, which replays it, and after the 201 both frontend pods show the new
// stock — never the old one as a cache HIT. Staged with the catalog's after-commit test gate, replica down.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { BazarTopology, callJson, holdGate, podHeldAt, waitFor } from '@bazar/harness';

describe('I2: a reservation replayed after its pod died before the push reaches every cache', function () {
  this.timeout(180_000);
  let topo: BazarTopology;
  const gate = '/test/after-commit';
  const info = (i: number) => callJson('GET', `${topo.frontends[i]!.url}/info/4`);

  before(async () => {
    topo = await BazarTopology.start({ frontends: 2, catalogEnv: { TEST_HOOKS: 'true' } });
  });
  after(async () => {
    await topo?.stop();
  });

  it('replica down, catalog pod SIGKILLed between commit and push: after the 201 both pods show the new stock', async () => {
    await topo.cluster.killReplica('SIGKILL');
    try {
      for (const i of [0, 1]) {
        await waitFor('a cache hit', async () => (await info(i)).headers.get('x-cache') === 'HIT', {
          timeoutMs: 10_000,
        });
      }
      const before = (await info(0)).body.quantity as number;
      for (const pod of topo.catalogs) await holdGate(topo.token, pod, gate, true);
      const buying = callJson('POST', `${topo.frontends[0]!.url}/purchase/4`, {
        headers: { 'Idempotency-Key': `hole-1-${randomUUID()}` },
        timeoutMs: 60_000,
      });
      const held = await podHeldAt(topo.token, topo.catalogs, gate);
      await held.kill('SIGKILL');
      const bought = await buying;
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      for (const i of [0, 1]) {
        const r = await info(i);
        assert.equal(
          r.body.quantity,
          before - 1,
          `frontend-${i} (${r.headers.get('x-cache')}) after the 201`,
        );
      }
      await held.start();
    } finally {
      await topo.cluster.startReplica();
      await topo.cluster.waitReplicaStreaming();
    }
  });
});
