// Every setting of the catalog service, validated once at start.
import { databaseSettings, env, loadConfig, serviceSettings, setting, type ConfigOf } from '@bazar/common';
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
};

export type CatalogConfig = ConfigOf<typeof catalogSettings>;

export const loadCatalogConfig = (source: Record<string, string | undefined> = process.env): CatalogConfig =>
  loadConfig(catalogSettings, source);
