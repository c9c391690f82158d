// Every setting of the order service, validated once at start.
import {
  checkServiceSettings,
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
  reconcileIntervalMs: setting(
    'RECONCILE_INTERVAL_MS',
    env.int(5000, 50),
    'how often this pod completes the orders of reservations whose purchases failed (I11)',
  ),
  reconcileGraceMs: setting(
    'RECONCILE_GRACE_MS',
    env.int(2000, 0),
    'a reservation is completed only once it is older than REQUEST_DEADLINE_MS plus this',
  ),
};

export type OrderConfig = ConfigOf<typeof orderSettings>;

export const loadOrderConfig = (source: Record<string, string | undefined> = process.env): OrderConfig => {
  const cfg = loadConfig(orderSettings, source);
  checkServiceSettings(cfg);
  upstreamDiscovery('catalog', cfg); // exactly one of CATALOG_URLS and CATALOG_DNS
  return cfg;
};
