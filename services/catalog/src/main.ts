// Entry point of a catalog pod: config, database (migrations, seed), frontend discovery for cache invalidations,
// HTTP server, graceful shutdown.
// Must stay the first import: tracing instruments only modules loaded after it.
import '@bazar/common/telemetry';
import { join } from 'node:path';
import {
  commitTailMs,
  createDatabase,
  createEndpointSource,
  createLogger,
  listen,
  runMain,
  minStatementMs,
} from '@bazar/common';
import { createApp } from './app';
import { loadCatalogConfig } from './config';
import { seedCatalog } from './data-access/seed';
import { FrontendsGateway } from './gateways/frontends.gateway';

runMain('catalog', async () => {
  const cfg = loadCatalogConfig();
  const log = createLogger('catalog', cfg.logLevel);
  const { db, close } = await createDatabase('catalog', cfg, join(__dirname, '../../migrations'), log);
  if (cfg.seed) log.info({ inserted: await seedCatalog(db, cfg.seedStock) }, 'seed books checked');
  const hasFrontends = cfg.frontendUrls.length > 0 || cfg.frontendDns !== undefined;
  const frontends = hasFrontends ? createEndpointSource('frontend', cfg, log) : undefined;
  // Frontends may start after the catalog: discovery runs in the background and fills in as they appear.
  frontends?.start().catch((err: Error) => log.warn({ err: err.message }, 'no frontend pods found yet'));
  const invalidations = new FrontendsGateway({
    frontends: () => frontends?.current() ?? [],
    token: cfg.internalToken,
    deadlineMs: cfg.invalidationDeadlineMs,
    attempts: cfg.invalidationAttempts,
    log,
  });
  const app = createApp({
    db,
    log,
    podName: cfg.podName,
    internalToken: cfg.internalToken,
    bodyLimit: cfg.bodyLimit,
    invalidations,
    deadlineMs: cfg.requestDeadlineMs,
    desk: {
      queueMax: cfg.reservationQueueMax,
      batchMax: cfg.reservationBatchMax,
      commitTailMs: commitTailMs(cfg),
      minStatementMs,
    },
  });
  return listen({
    app,
    host: cfg.host,
    port: cfg.port,
    log,
    drainMs: cfg.drainMs,
    onClose: async () => {
      frontends?.stop();
      await invalidations.close();
      await close();
    },
  });
});
