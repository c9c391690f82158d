// Every setting of the order service, validated once at start.
import { databaseSettings, env, loadConfig, serviceSettings, setting, type ConfigOf } from '@bazar/common';
import { z } from 'zod';

export const orderSettings = {
  port: setting('PORT', env.port(7002), 'HTTP port of the internal order API'),
  ...serviceSettings,
  ...databaseSettings,
  catalogUrls: setting(
    'CATALOG_URLS',
    env.list().pipe(z.array(z.url()).min(1, 'give at least one catalog URL')),
    'comma-separated base URLs of the catalog pods',
  ),
  catalogTimeoutMs: setting('CATALOG_TIMEOUT_MS', env.int(2500, 100), 'bound on one call to a catalog pod'),
};

export type OrderConfig = ConfigOf<typeof orderSettings>;

export const loadOrderConfig = (source: Record<string, string | undefined> = process.env): OrderConfig =>
  loadConfig(orderSettings, source);
