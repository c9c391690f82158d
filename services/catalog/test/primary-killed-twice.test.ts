// No pod crashes on a database error. The primary SIGKILLed under traffic, started again, and killed again: its
// backends end every connection with 57P01 "unexpected postmaster exit", idle pooled ones included. Every catalog
// and order pod must stay up (the dead connections dropped and logged), answer 503 while the primary is gone, and
// write again once it is back.
import { strict as assert } from 'node:assert';
import { createLogger, createPool, isUnavailable } from '@bazar/common';
import { BazarTopology, PostgresCluster, callJson, waitFor } from '@bazar/harness';

describe('I6: the primary killed twice', function () {
  this.timeout(180_000);
  let topo: BazarTopology;
  const pods = () => [...topo.catalogs, ...topo.orders];

  before(async () => {
    topo = await BazarTopology.start({ frontends: 1 });
  });
  after(async () => {
    await topo?.stop();
  });

  /** Writes and purchases through every pod until each has answered 200/201 (the primary is serving). */
  async function writesWork(round: number): Promise<void> {
    const token = topo.token;
    for (const [i, pod] of topo.catalogs.entries()) {
      await waitFor(
        `catalog-${i} to write again (round ${round})`,
        async () =>
          (await callJson('PATCH', `${pod.url}/books/1`, { token, body: { quantityDelta: 1 } })).status ===
          200,
        { timeoutMs: 30_000, intervalMs: 100 },
      );
    }
    for (const [i, pod] of topo.orders.entries()) {
      await waitFor(
        `order-${i} to place an order again (round ${round})`,
        async () =>
          (await callJson('POST', `${pod.url}/orders`, { token, body: { bookId: 1 } })).status === 201,
        { timeoutMs: 30_000, intervalMs: 100 },
      );
    }
  }

  it('every pod stays up through two kills, answers 503 meanwhile, and writes again after each restart', async () => {
    const token = topo.token;
    await writesWork(0);
    for (const round of [1, 2]) {
      // Traffic while the primary dies: connections idle in the pools, running a statement, and held by a write
      // between its statements (while it tells the frontends) all meet the kill.
      let stop = false;
      const traffic = Promise.all(
        pods().map(async (pod, i) => {
          while (!stop) {
            const catalog = i < topo.catalogs.length;
            const res = await (i % 2 === 0
              ? callJson('GET', `${pod.url}/${catalog ? 'books/2' : 'orders?limit=5'}`, { token })
              : catalog
                ? callJson('PATCH', `${pod.url}/books/3`, { token, body: { quantityDelta: 1 } })
                : callJson('POST', `${pod.url}/orders`, { token, body: { bookId: 3 } }));
            assert.ok(
              [200, 503].includes(res.status),
              `${pod.name}: ${res.status} ${JSON.stringify(res.body)}`,
            );
          }
        }),
      );
      await topo.cluster.killPrimary('SIGKILL');
      for (const pod of topo.catalogs) {
        const write = await callJson('PATCH', `${pod.url}/books/1`, { token, body: { quantityDelta: 1 } });
        assert.equal(write.status, 503, `${pod.name} with the primary dead: ${JSON.stringify(write.body)}`);
      }
      stop = true;
      await traffic;
      for (const pod of pods()) assert.ok(pod.running, `${pod.name} crashed: ${pod.output(20).join('\n')}`);
      await topo.cluster.startPrimary();
      await writesWork(round);
      for (const pod of pods()) assert.ok(pod.running, `${pod.name} crashed after the restart`);
    }
  });
});

describe('a pooled connection held while its server dies', function () {
  this.timeout(60_000);
  let cluster: PostgresCluster;

  before(async () => {
    cluster = await PostgresCluster.start({
      databases: [{ name: 'held', owner: 'held', password: 'held-pw' }],
    });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('is dropped and logged, never an unheard error that ends the process', async () => {
    const warnings: string[] = [];
    const log = createLogger('test', 'warn');
    log.warn = ((obj: unknown, msg?: string) =>
      void warnings.push(`${msg} ${JSON.stringify(obj)}`)) as typeof log.warn;
    const pool = createPool(
      {
        url: cluster.url('primary', 'held', 'held', 'held-pw'),
        name: 'held',
        max: 2,
        connectTimeoutMs: 1500,
        statementTimeoutMs: 1500,
      },
      log,
    );
    const held = await pool.connect(); // checked out, between statements: the pool does not listen to it
    await held.query('SELECT 1');
    await cluster.killPrimary('SIGKILL'); // returns once the backends are gone: their FATAL has been sent
    await waitFor('the held connection to hear that its server died', async () => warnings.length > 0, {
      timeoutMs: 10_000,
    });
    assert.match(warnings[0]!, /connection failed/);
    await assert.rejects(held.query('SELECT 1'), (err: Error) => isUnavailable(err));
    held.release(true);
    await pool.end();
  });
});
