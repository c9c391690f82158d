// Entry point of an order pod: config, catalog discovery, database, gateway, HTTP server, graceful shutdown.
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
import { loadOrderConfig } from './config';
import { ReservationReconciler } from './domain/reservation-reconciler';
import { CatalogGateway } from './gateways/catalog.gateway';

runMain('order', async () => {
  const cfg = loadOrderConfig();
  const log = createLogger('order', cfg.logLevel);
  if (cfg.testHooks) log.warn('TEST_HOOKS is on: the after-reservation gate is exposed');
  const catalogSource = createEndpointSource('catalog', cfg, log);
  await catalogSource.start();
  const { db, close } = await createDatabase('order', cfg, join(__dirname, '../../migrations'), log);
  const catalog = new CatalogGateway({
    source: catalogSource,
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
    deadlineMs: cfg.requestDeadlineMs,
    writeReserveMs: commitTailMs(cfg) + minStatementMs,
    gate: cfg.testHooks ? new TestGate() : undefined,
  });
  const reconciler = new ReservationReconciler(db, catalog, {
    intervalMs: cfg.reconcileIntervalMs,
    minAgeMs: cfg.requestDeadlineMs + cfg.reconcileGraceMs,
    batch: 200,
    log: log.child({ component: 'reconciler' }),
  });
  reconciler.start();
  return listen({
    app,
    host: cfg.host,
    port: cfg.port,
    metricsPort: cfg.metricsPort,
    log,
    drainMs: cfg.drainMs,
    onClose: async () => {
      reconciler.stop();
      await catalog.close();
      await close();
    },
  });
});
