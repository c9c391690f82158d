// A service declares an upstream as CATALOG_URLS or CATALOG_DNS + CATALOG_PORT; anything else is a clear
// configuration error naming the settings.
import { strict as assert } from 'node:assert';
import { ConfigError, loadConfig } from '../src/config';
import { createEndpointSource } from '../src/discovery/create-endpoint-source';
import { DnsEndpointSource } from '../src/discovery/dns-endpoint-source';
import { upstreamDiscovery, upstreamSettings } from '../src/discovery/discovery-settings';
import { StaticEndpointSource } from '../src/discovery/static-endpoint-source';
import { memoryLogger } from './support/test-logger';

const settings = upstreamSettings('CATALOG', 7001);
const load = (env: Record<string, string>) => loadConfig(settings, env);

describe('upstreamSettings', () => {
  it('declares <NAME>_URLS, <NAME>_DNS, <NAME>_PORT and the shared discovery settings', () => {
    assert.deepEqual(Object.fromEntries(Object.entries(settings).map(([k, s]) => [k, s.env])), {
      catalogUrls: 'CATALOG_URLS',
      catalogDns: 'CATALOG_DNS',
      catalogPort: 'CATALOG_PORT',
      dnsServer: 'DNS_SERVER',
      discoveryRefreshMs: 'DISCOVERY_REFRESH_MS',
      discoveryStartTimeoutMs: 'DISCOVERY_START_TIMEOUT_MS',
    });
    assert.deepEqual(Object.keys(upstreamSettings('FRONTEND', 7000)).slice(0, 3), [
      'frontendUrls',
      'frontendDns',
      'frontendPort',
    ]);
  });

  it('builds a static source from CATALOG_URLS', async () => {
    const cfg = load({ CATALOG_URLS: 'http://127.0.0.1:7001/, http://127.0.0.1:7011' });
    const source = createEndpointSource('catalog', cfg, memoryLogger().log);
    assert.ok(source instanceof StaticEndpointSource);
    await source.start();
    assert.deepEqual(source.current(), ['http://127.0.0.1:7001', 'http://127.0.0.1:7011']);
  });

  it('builds a DNS source from CATALOG_DNS, with the default port and refresh', () => {
    const cfg = load({
      CATALOG_DNS: 'bazar-catalog-hl.default.svc.cluster.local',
      DNS_SERVER: '10.96.0.10:53',
    });
    assert.deepEqual(upstreamDiscovery('catalog', cfg), {
      kind: 'dns',
      hostname: 'bazar-catalog-hl.default.svc.cluster.local',
      port: 7001,
      server: '10.96.0.10:53',
      refreshMs: 5000,
      startTimeoutMs: 30_000,
    });
    assert.ok(createEndpointSource('catalog', cfg, memoryLogger().log) instanceof DnsEndpointSource);
  });

  it('needs exactly one of CATALOG_URLS and CATALOG_DNS', () => {
    const both = load({ CATALOG_URLS: 'http://127.0.0.1:7001', CATALOG_DNS: 'catalog.test' });
    assert.throws(
      () => upstreamDiscovery('catalog', both),
      (e: unknown) =>
        e instanceof ConfigError && /CATALOG_URLS, CATALOG_DNS: give one of them/.test(e.message),
    );
    assert.throws(
      () => createEndpointSource('catalog', load({}), memoryLogger().log),
      (e: unknown) =>
        e instanceof ConfigError && /CATALOG_URLS, CATALOG_DNS: one is required/.test(e.message),
    );
  });

  it('rejects malformed values by name', () => {
    for (const [env, name] of [
      [{ CATALOG_URLS: 'ftp://x:1' }, 'CATALOG_URLS'],
      [{ CATALOG_DNS: 'not a name' }, 'CATALOG_DNS'],
      [{ CATALOG_DNS: 'catalog.test', CATALOG_PORT: '70000' }, 'CATALOG_PORT'],
      [{ CATALOG_DNS: 'catalog.test', DNS_SERVER: 'dns.example:53' }, 'DNS_SERVER'],
    ] as const)
      assert.throws(
        () => load(env),
        (e: unknown) =>
          e instanceof ConfigError && e.problems.length === 1 && e.problems[0]!.startsWith(name),
      );
  });
});
