// Builds the EndpointSource a service's config asks for.
import type { Logger } from '../logger';
import { DnsEndpointSource } from './dns-endpoint-source';
import { upstreamDiscovery, type UpstreamConfig, type UpstreamName } from './discovery-settings';
import type { EndpointSource } from './endpoint-source';
import { StaticEndpointSource } from './static-endpoint-source';

/** `createEndpointSource('catalog', cfg, log)` for a config declared with `upstreamSettings('CATALOG', …)`. */
export function createEndpointSource<N extends UpstreamName>(
  name: N,
  cfg: UpstreamConfig<N>,
  log: Logger,
): EndpointSource {
  const d = upstreamDiscovery(name, cfg);
  if (d.kind === 'static') return new StaticEndpointSource(name, d.urls);
  return new DnsEndpointSource({
    name,
    hostname: d.hostname,
    port: d.port,
    refreshMs: d.refreshMs,
    startTimeoutMs: d.startTimeoutMs,
    log,
    ...(d.server ? { server: d.server } : {}),
  });
}
