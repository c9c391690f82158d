// Entry point of a catalog pod: config, database (migrations, seed), HTTP server, graceful shutdown.
import { join } from 'node:path';
import { createDatabase, createLogger, listen, runMain } from '@bazar/common';
import { createApp } from './app';
import { loadCatalogConfig } from './config';
import { seedCatalog } from './data-access/seed';

runMain('catalog', async () => {
  const cfg = loadCatalogConfig();
  const log = createLogger('catalog', cfg.logLevel);
  const { db, close } = await createDatabase('catalog', cfg, join(__dirname, '../../migrations'), log);
  if (cfg.seed) log.info({ inserted: await seedCatalog(db, cfg.seedStock) }, 'seed books checked');
  const app = createApp({
    db,
    log,
    podName: cfg.podName,
    internalToken: cfg.internalToken,
    bodyLimit: cfg.bodyLimit,
  });
  return listen({ app, host: cfg.host, port: cfg.port, log, drainMs: cfg.drainMs, onClose: close });
});
