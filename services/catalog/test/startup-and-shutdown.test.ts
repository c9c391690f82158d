// A pod's life: bad settings stop it with a message naming them; two pods starting at once migrate the schema
// once; SIGTERM ends a pod cleanly.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BazarTopology, callJson } from '@bazar/harness';

const entry = (service: string) => join(__dirname, '../../../', service, 'dist/src/main.js');

describe('catalog and order pods start and stop cleanly', function () {
  this.timeout(120_000);

  for (const service of ['catalog', 'order']) {
    it(`${service}: bad settings stop the process with a message naming each of them`, () => {
      const run = spawnSync(process.execPath, [entry(service)], {
        env: { PATH: process.env.PATH, PORT: 'abc', INTERNAL_TOKEN: 'short', DB_POOL_MAX: '0' },
        encoding: 'utf8',
        timeout: 15_000,
      });
      assert.equal(run.status, 1, run.stderr);
      for (const name of ['PORT', 'INTERNAL_TOKEN', 'DATABASE_URL', 'DB_POOL_MAX']) {
        assert.match(run.stderr, new RegExp(`${name}:`), `stderr names ${name}: ${run.stderr}`);
      }
    });
  }

  describe('with a running topology', () => {
    let topo: BazarTopology;
    before(async () => {
      topo = await BazarTopology.start(); // two catalog and two order pods, each pair started at once
    });
    after(async () => {
      await topo?.stop();
    });

    it('two pods starting at once apply each migration exactly once and seed once', async () => {
      for (const db of ['catalog', 'orders']) {
        const rows = await topo.cluster.query(
          'primary',
          'SELECT name, count(*)::int AS n FROM pgmigrations GROUP BY name',
          [],
          db,
        );
        assert.ok(rows.length >= 1);
        for (const r of rows) assert.equal(r.n, 1, `${db}: ${r.name} applied ${r.n} times`);
      }
      const books = await topo.cluster.query(
        'primary',
        'SELECT count(*)::int AS n FROM books',
        [],
        'catalog',
      );
      assert.equal(books[0]!.n, 7);
    });

    it('SIGTERM stops a pod with exit code 0, and a restarted pod serves again', async () => {
      const pod = topo.catalogs[0]!;
      await pod.stop();
      assert.equal(pod.lastExit?.code, 0, pod.output().join('\n'));
      await pod.restart();
      const res = await callJson('GET', `${pod.url}/books/1`, { token: topo.token });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-served-by'), 'catalog-0');
    });
  });
});
