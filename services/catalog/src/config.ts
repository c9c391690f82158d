// Every setting of the catalog service, validated once at start.
import {
  checkServiceSettings,
  databaseSettings,
  env,
  loadConfig,
  serviceSettings,
  setting,
  upstreamSettings,
  type ConfigOf,
} from '@bazar/common';
import { z } from 'zod';

export const catalogSettings = {
  port: setting('PORT', env.port(7001), 'HTTP port of the internal catalog API'),
  ...serviceSettings,
  ...databaseSettings,
  seed: setting(
    'SEED_BOOKS',
    z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    'insert the seven seed books when missing',
  ),
  seedStock: setting('SEED_STOCK', env.int(100), 'stock of each seed book when it is first inserted'),
  // Frontend pods to push cache invalidations to: FRONTEND_URLS, or FRONTEND_DNS (their headless Service) +
  // FRONTEND_PORT. Neither: no frontends to tell (a back end run on its own).
  ...upstreamSettings('FRONTEND', 8080),
  invalidationDeadlineMs: setting(
    'INVALIDATION_DEADLINE_MS',
    env.int(300, 10),
    'how long each push of a write (in flight, then its new version) may take to reach the frontend pods',
  ),
  invalidationAttempts: setting(
    'INVALIDATION_ATTEMPTS',
    env.int(3, 1),
    'tries per frontend pod within that deadline',
  ),
  cacheLeaseMs: setting(
    'CACHE_LEASE_MS',
    env.int(2000, 100),
    'cache lease granted to a frontend pod: the longest a write waits for a frontend pod it cannot reach (I4)',
  ),
  reservationQueueMax: setting(
    'RESERVATION_QUEUE_MAX',
    env.int(2000, 1),
    'purchases of one book that may wait on this pod; more are refused at once with 503 busy',
  ),
  reservationBatchMax: setting(
    'RESERVATION_BATCH_MAX',
    env.int(256, 1),
    'purchases of one book reserved together in one statement and one commit',
  ),
};

export type CatalogConfig = ConfigOf<typeof catalogSettings>;

export const loadCatalogConfig = (
  source: Record<string, string | undefined> = process.env,
): CatalogConfig => {
  const cfg = loadConfig(catalogSettings, source);
  checkServiceSettings(cfg);
  return cfg;
};
