// Entry point of a catalog pod: config, database (migrations, seed), frontend discovery for cache invalidations,
// HTTP server, graceful shutdown.
// Must stay the first import: tracing instruments only modules loaded after it.
import '@bazar/common/telemetry';
import { join } from 'node:path';
import {
  TestGate,
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
import { CacheLeaseGrants } from './domain/cache-leases';
import { InvalidationFanout } from './gateways/invalidation-fanout';

runMain('catalog', async () => {
  const cfg = loadCatalogConfig();
  const log = createLogger('catalog', cfg.logLevel);
  if (cfg.testHooks) log.warn('TEST_HOOKS is on: the after-commit gate is exposed');
  const { db, close } = await createDatabase('catalog', cfg, join(__dirname, '../../migrations'), log);
  if (cfg.seed) log.info({ inserted: await seedCatalog(db, cfg.seedStock) }, 'seed books checked');
  const hasFrontends = cfg.frontendUrls.length > 0 || cfg.frontendDns !== undefined;
  const frontends = hasFrontends ? createEndpointSource('frontend', cfg, log) : undefined;
  // Frontends may start after the catalog: discovery runs in the background and fills in as they appear.
  frontends?.start().catch((err: Error) => log.warn({ err: err.message }, 'no frontend pods found yet'));
  const frontendUrls = () => frontends?.current() ?? [];
  const leases = new CacheLeaseGrants({
    leaseMs: cfg.cacheLeaseMs,
    discoveryGraceMs: cfg.frontendDns ? cfg.discoveryRefreshMs : 0,
    frontends: frontendUrls,
  });
  const invalidations = new InvalidationFanout({
    frontends: frontendUrls,
    leases,
    probeIntervalMs: Math.max(50, Math.floor(cfg.cacheLeaseMs / 4)),
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
    leases,
    writeOverrunMs: cfg.connectTimeoutMs + cfg.statementTimeoutMs + commitTailMs(cfg),
    deadlineMs: cfg.requestDeadlineMs,
    desk: {
      queueMax: cfg.reservationQueueMax,
      batchMax: cfg.reservationBatchMax,
      commitTailMs: commitTailMs(cfg),
      minStatementMs,
      afterCommit: cfg.testHooks ? new TestGate() : undefined,
    },
  });
  return listen({
    app,
    host: cfg.host,
    port: cfg.port,
    metricsPort: cfg.metricsPort,
    log,
    drainMs: cfg.drainMs,
    onClose: async () => {
      frontends?.stop();
      await invalidations.close();
      await close();
    },
  });
});
