// Entry point of an order pod: config, database (migrations), catalog gateway, HTTP server, graceful shutdown.
import { join } from 'node:path';
import { createDatabase, createLogger, listen, runMain } from '@bazar/common';
import { createApp } from './app';
import { loadOrderConfig } from './config';
import { CatalogGateway } from './gateways/catalog.gateway';

runMain('order', async () => {
  const cfg = loadOrderConfig();
  const log = createLogger('order', cfg.logLevel);
  const { db, close } = await createDatabase('order', cfg, join(__dirname, '../../migrations'), log);
  const catalog = new CatalogGateway({
    endpoints: cfg.catalogUrls,
    token: cfg.internalToken,
    timeoutMs: cfg.catalogTimeoutMs,
    log,
  });
  const app = createApp({
    db,
    catalog,
    log,
    podName: cfg.podName,
    internalToken: cfg.internalToken,
    bodyLimit: cfg.bodyLimit,
  });
  return listen({
    app,
    host: cfg.host,
    port: cfg.port,
    log,
    drainMs: cfg.drainMs,
    onClose: async () => {
      await catalog.close();
      await close();
    },
  });
});
