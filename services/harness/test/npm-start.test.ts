// `npm start` (its entry point, after the build): the whole topology on the embedded database (and on Postgres run
// by Patroni) comes up, the banner's URL serves the storefront and the API, and SIGTERM stops every process it
// started.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import { callJson, freePort, waitFor } from '../src';

const launcher = join(__dirname, '../src/cli/start.js');

const refuses = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });

describe('npm start', function () {
  this.timeout(120_000);
  const launched: ChildProcess[] = [];
  afterEach(() => {
    for (const child of launched.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });

  /** `npm start` with `args` on a free port, once its banner is out; `stop()` is SIGTERM and its exit code. */
  async function launch(args: string[]) {
    const port = await freePort();
    const child = spawn(process.execPath, [launcher, '--port', String(port), ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ADMIN_TOKEN: 'a-test-admin-token-1234' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    launched.push(child);
    const lines: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
    createInterface({ input: child.stderr! }).on('line', (l) => lines.push(l));
    const exited = once(child, 'exit');
    await waitFor('the banner', async () => lines.some((l) => l.startsWith('Bazar is ready')), {
      timeoutMs: 90_000,
    });
    const stop = async () => {
      child.kill('SIGTERM');
      const [code] = await exited;
      return code as number | null;
    };
    return { port, url: `http://127.0.0.1:${port}`, lines, stop };
  }

  const modes = [
    { name: 'the embedded database', args: [], database: 'embedded PGlite' },
    // Debian's patroni, etcd-server and haproxy (CI installs them).
    {
      name: 'Postgres run by Patroni (--postgres --ha)',
      args: ['--postgres', '--ha'],
      database: 'run by Patroni',
    },
  ];
  for (const mode of modes)
    it(`starts everything on ${mode.name}, serves the banner URL, and SIGTERM stops it all`, async () => {
      const { port, url, lines, stop } = await launch(mode.args);
      assert.ok(
        lines.some((l) => l.includes(`Storefront   ${url}/`)),
        lines.join('\n'),
      );
      assert.ok(
        lines.some((l) => l.startsWith('  Database') && l.includes(mode.database)),
        lines.join('\n'),
      );
      const podPorts = lines.flatMap((l) =>
        [...l.matchAll(/(?:catalog|order)-\d+ http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1])),
      );
      assert.equal(podPorts.length, 4, 'two catalog and two order pods');

      const page = await fetch(`${url}/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      const bought = await callJson('POST', `${url}/purchase/1`, {
        headers: { 'Idempotency-Key': 'npm-start-test' },
      });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      const patched = await callJson('PATCH', `${url}/books/1`, {
        token: 'a-test-admin-token-1234',
        body: { price: 31 },
      });
      assert.equal(patched.status, 200);
      assert.equal((await callJson('GET', `${url}/info/1`)).body.price, 31);

      assert.equal(await stop(), 0, lines.join('\n'));
      for (const p of [port, ...podPorts])
        assert.ok(await refuses(p), `port ${p} still answers after the stop`);
    });

  it('supervises its pods: one killed is started again and serves; --env reaches every pod', async () => {
    const { url, lines, stop } = await launch(['--env', 'CACHE_MAX_ENTRIES=1']);
    // --env CACHE_MAX_ENTRIES=1: three books read, at most one kept.
    for (const id of [1, 2, 3, 1, 2, 3])
      assert.equal((await callJson('GET', `${url}/info/${id}`)).status, 200);
    const stats = await callJson('GET', `${url}/cache/stats`);
    assert.ok(stats.body.entries <= 1 && stats.body.evictions > 0, JSON.stringify(stats.body));

    const pod = /catalog-0 http:\/\/127\.0\.0\.1:(\d+) \(pid (\d+)\)/.exec(lines.join('\n'));
    assert.ok(pod, lines.join('\n'));
    process.kill(Number(pod[2]), 'SIGKILL');
    await waitFor(
      'the launcher to say catalog-0 is back',
      async () => lines.some((l) => /catalog-0 is back/.test(l)),
      {
        timeoutMs: 90_000,
      },
    );
    assert.ok(
      lines.some((l) => /catalog-0 killed by SIGKILL: restarting in 1 s/.test(l)),
      lines.join('\n'),
    );
    assert.equal(
      (await fetch(`http://127.0.0.1:${pod[1]}/readyz`)).status,
      200,
      'catalog-0 answers on its port',
    );
    // Reads through the frontend reach the restarted pod again (round robin over both catalog pods; the one-entry
    // cache keeps most reads misses).
    await waitFor(
      'a read served by the restarted catalog-0',
      async () => {
        const r = await callJson('GET', `${url}/info/${1 + Math.floor(Math.random() * 7)}`);
        return r.status === 200 && (r.headers.get('x-served-by') ?? '').includes('catalog-0');
      },
      { timeoutMs: 60_000 },
    );
    assert.equal(await stop(), 0, lines.join('\n'));
  });

  it('supervises the servers it started too: Postgres primary and Redis killed come back, and purchases work', async () => {
    const { url, lines, stop } = await launch(['--postgres', '--redis']);
    const text = lines.join('\n');
    const pid = (name: string) => Number(new RegExp(`${name} \\(pid (\\d+)\\)`).exec(text)?.[1]);
    for (const name of ['postgres primary', 'redis']) {
      assert.ok(pid(name) > 0, `no pid of ${name} in the banner:\n${text}`);
      process.kill(pid(name), 'SIGKILL');
      await waitFor(
        `the launcher to say ${name} is back`,
        async () => lines.some((l) => l.includes(`${name} is back`)),
        {
          timeoutMs: 90_000,
        },
      );
      assert.ok(
        lines.some((l) => l.includes(`${name} is gone: restarting in 1 s`)),
        lines.join('\n'),
      );
    }
    await waitFor(
      'a purchase to succeed after the restarts',
      async () => {
        const r = await callJson('POST', `${url}/purchase/3`, {
          headers: { 'Idempotency-Key': 'after-restarts' },
        });
        return r.status === 201 || r.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    assert.equal(await stop(), 0, lines.join('\n'));
  });

  it('refuses a busy port with a clear message', async () => {
    const port = await freePort();
    const blocker = (await import('node:net')).createServer().listen(port, '127.0.0.1');
    await once(blocker, 'listening');
    try {
      const child = spawn(process.execPath, [launcher, '--port', String(port)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const [code] = await once(child, 'exit');
      assert.equal(code, 2);
      assert.match(err, new RegExp(`port ${port} on 127.0.0.1 is in use`));
    } finally {
      blocker.close();
    }
  });
});
