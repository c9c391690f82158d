// Every setting of the order service, validated once at start.
import {
  databaseSettings,
  env,
  loadConfig,
  serviceSettings,
  setting,
  upstreamDiscovery,
  upstreamSettings,
  type ConfigOf,
} from '@bazar/common';

export const orderSettings = {
  port: setting('PORT', env.port(7002), 'HTTP port of the internal order API'),
  ...serviceSettings,
  ...databaseSettings,
  // CATALOG_URLS (static list) or CATALOG_DNS + CATALOG_PORT (headless Service), DNS_SERVER, DISCOVERY_*.
  ...upstreamSettings('CATALOG', 7001),
  catalogTimeoutMs: setting(
    'CATALOG_TIMEOUT_MS',
    env.int(2500, 100),
    'bound on a readiness probe of a catalog pod (reservations are bounded by the request deadline instead)',
  ),
};

export type OrderConfig = ConfigOf<typeof orderSettings>;

export const loadOrderConfig = (source: Record<string, string | undefined> = process.env): OrderConfig => {
  const cfg = loadConfig(orderSettings, source);
  upstreamDiscovery('catalog', cfg); // exactly one of CATALOG_URLS and CATALOG_DNS
  return cfg;
};
