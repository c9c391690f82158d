// DNS discovery against a real DNS server: the balancer follows the A records of a name (as for a headless
// Service), never sends to a removed address again, refreshes early when endpoints fail (rate-limited), and keeps
// the last good list when DNS fails or answers nothing.
import { strict as assert } from 'node:assert';
import { waitFor } from '@bazar/harness';
import { DnsEndpointSource, type DnsEndpointSourceOptions } from '../src/discovery/dns-endpoint-source';
import { UpstreamClient } from '../src/upstream/upstream-client';
import { CountingServer } from './support/counting-server';
import { FakeDns } from './support/fake-dns';
import { WARN, memoryLogger, type LogLine } from './support/test-logger';

const NAME = 'catalog.test';

describe('DNS discovery', () => {
  let dns: FakeDns;
  let pods: Record<'a' | 'b' | 'c', CountingServer>;
  let lines: LogLine[];
  const cleanup: (() => Promise<void> | void)[] = [];

  const sourceFor = (opts: Partial<DnsEndpointSourceOptions> = {}) => {
    const logger = memoryLogger();
    lines = logger.lines;
    const source = new DnsEndpointSource({
      name: 'catalog',
      hostname: NAME,
      port: pods.a.port,
      server: dns.address,
      refreshMs: 100,
      startTimeoutMs: 2000,
      lookupTimeoutMs: 100,
      log: logger.log,
      ...opts,
    });
    cleanup.push(() => source.stop());
    return source;
  };
  const clientFor = (source: DnsEndpointSource) => {
    const client = new UpstreamClient({
      name: 'catalog',
      source,
      token: 'test-token-0123456789',
      timeoutMs: 1000,
      log: memoryLogger().log,
    });
    cleanup.push(() => client.close());
    return client;
  };
  const spread = async (client: UpstreamClient, n: number) => {
    for (let i = 0; i < n; i++) assert.equal((await client.request('GET', '/books/1')).status, 200);
  };
  const hits = () => [pods.a.hits, pods.b.hits, pods.c.hits];

  beforeEach(async () => {
    dns = await FakeDns.start();
    const a = await CountingServer.start('127.0.0.2');
    pods = {
      a,
      b: await CountingServer.start('127.0.0.3', a.port),
      c: await CountingServer.start('127.0.0.4', a.port),
    };
    dns.records.set(NAME, ['127.0.0.2', '127.0.0.3']);
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
    await Promise.all(Object.values(pods).map((p) => p.stop().catch(() => undefined)));
    dns.close();
  });

  it('spreads over the addresses DNS gives and follows when the record set changes', async () => {
    const source = sourceFor();
    await source.start();
    const client = clientFor(source);
    assert.deepEqual(source.current(), [pods.a.url, pods.b.url]);
    await spread(client, 20);
    assert.deepEqual(hits(), [10, 10, 0]);

    const changes: string[][] = [];
    source.onChange((urls) => changes.push(urls));
    dns.records.set(NAME, ['127.0.0.3', '127.0.0.4']);
    await waitFor('the periodic refresh sees the new records', async () => changes.length > 0, {
      timeoutMs: 30_000,
      intervalMs: 5,
    });
    assert.deepEqual(changes, [[pods.b.url, pods.c.url]]);
    assert.deepEqual(
      client.endpoints().map((e) => e.url),
      [pods.b.url, pods.c.url],
    );

    await spread(client, 40);
    assert.deepEqual(hits(), [10, 30, 20], 'nothing more to the removed address');
    // At once, not when a keep-alive timeout (seconds) would have ended the connection anyway.
    await waitFor('the removed endpoint’s pool is closed', async () => pods.a.openConnections === 0, {
      timeoutMs: 10_000,
      intervalMs: 5,
    });
  });

  it('looks DNS up again soon after an endpoint fails, at most once per minimum interval', async () => {
    const source = sourceFor({ refreshMs: 60_000, minRefreshIntervalMs: 300 });
    await source.start();
    const client = clientFor(source);
    await spread(client, 4);
    // Pod a goes away and DNS no longer lists it; no periodic refresh is due for a minute.
    dns.records.set(NAME, ['127.0.0.3', '127.0.0.4']);
    await pods.a.stop();
    const queriesBefore = dns.queries.length;
    await waitFor(
      'discovery follows after the failure',
      async () => {
        await spread(client, 1);
        return source.current().includes(pods.c.url);
      },
      { timeoutMs: 30_000, intervalMs: 5 },
    );
    assert.deepEqual(source.current(), [pods.b.url, pods.c.url]);

    // Once the last lookup is older than the interval, a burst of failure reports makes one lookup at once...
    await waitFor('the minimum interval has passed', async () => Date.now() - dns.queries.at(-1)! >= 300, {
      timeoutMs: 30_000,
      intervalMs: 5,
    });
    const burstStart = dns.queries.length;
    for (let i = 0; i < 50; i++) source.requestRefresh();
    await waitFor('one lookup for the burst', async () => dns.queries.length === burstStart + 1, {
      timeoutMs: 30_000,
      intervalMs: 5,
    });
    // ...and a second burst right after it gets one more, deferred until the interval has passed.
    for (let i = 0; i < 50; i++) source.requestRefresh();
    await waitFor('the deferred lookup', async () => dns.queries.length === burstStart + 2, {
      timeoutMs: 30_000,
      intervalMs: 5,
    });
    const [first, second] = dns.queries.slice(burstStart) as [number, number];
    assert.ok(second - first >= 290, `lookups ${second - first} ms apart`);
    assert.ok(dns.queries.length - queriesBefore <= 4, 'failures did not flood DNS');
  });

  it('keeps the last good list when DNS answers nothing, stops answering or goes away', async () => {
    const source = sourceFor({ refreshMs: 60_000 });
    await source.start();
    const client = clientFor(source);
    const good = [pods.a.url, pods.b.url];
    const changes: string[][] = [];
    source.onChange((urls) => changes.push(urls));

    dns.records.delete(NAME); // empty answer (e.g. no ready pod behind the headless Service)
    await source.refresh();
    assert.deepEqual(source.current(), good);

    dns.answering = false; // queries time out
    const queries = dns.queries.length;
    await source.refresh();
    assert.ok(dns.queries.length > queries, 'it did ask');
    assert.deepEqual(source.current(), good);

    dns.close(); // nothing listens any more
    await source.refresh();
    assert.deepEqual(source.current(), good);

    assert.deepEqual(changes, []);
    await spread(client, 10);
    assert.deepEqual(hits(), [5, 5, 0]);
    const warnings = lines.filter((l) => l.level === WARN);
    assert.equal(warnings.length, 1, 'one warning per outage');
    assert.deepEqual(warnings[0]!['kept'], good);
  });

  it('start() fails clearly when the name yields no address before the deadline', async () => {
    dns.records.delete(NAME);
    const source = sourceFor({ startTimeoutMs: 300 });
    const started = Date.now();
    await assert.rejects(source.start(), /catalog: DNS name catalog\.test gave no endpoint within 300 ms/);
    assert.ok(Date.now() - started < 1500);
  });
});
