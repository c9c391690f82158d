// Entry point of a frontend pod: config, cache store, discovery of catalog and order pods, HTTP server, shutdown.
// Must stay the first import: tracing instruments only modules loaded after it.
import '@bazar/common/telemetry';
import { TestGate, UpstreamClient, createEndpointSource, createLogger, listen, runMain } from '@bazar/common';
import { RateLimits } from './api/rate-limits';
import { createApp } from './app';
import { loadFrontendConfig } from './config';
import { createCacheStore } from './data-access/cache-stores';

runMain('frontend', async () => {
  const cfg = loadFrontendConfig();
  const log = createLogger('frontend', cfg.logLevel);
  const store = createCacheStore({
    kind: cfg.cacheStore,
    maxEntries: cfg.cacheMaxEntries,
    ttlMs: cfg.cacheTtlMs,
    redisUrl: cfg.redisUrl,
  });
  const upstream = async (name: 'catalog' | 'order') => {
    const source = createEndpointSource(name, cfg, log);
    await source.start();
    return new UpstreamClient({
      name,
      source,
      token: cfg.internalToken,
      timeoutMs: cfg.upstreamTimeoutMs,
      log,
    });
  };
  const catalog = await upstream('catalog');
  const orders = await upstream('order');
  const rateLimits = new RateLimits({
    requests: cfg.rateLimitRequests,
    purchases: cfg.rateLimitPurchases,
    windowS: cfg.rateLimitWindowS,
    redisUrl: cfg.cacheStore === 'redis' ? cfg.redisUrl : undefined,
    log,
  });
  if (cfg.testHooks) log.warn('TEST_HOOKS is on: the fill gate is exposed');
  const { app, lease } = createApp({
    log,
    podName: cfg.podName,
    bodyLimit: cfg.bodyLimit,
    requestDeadlineMs: cfg.requestDeadlineMs,
    adminToken: cfg.adminToken,
    customerSecret: cfg.customerSecret,
    customerCookieSecure: cfg.customerCookieSecure,
    rateLimits,
    trustProxyHops: cfg.trustProxyHops,
    internalToken: cfg.internalToken,
    store,
    catalog,
    orders,
    gate: cfg.testHooks ? new TestGate() : undefined,
    selfUrl: cfg.selfUrl ?? `http://${cfg.host === '0.0.0.0' ? '127.0.0.1' : cfg.host}:${cfg.port}`,
    cacheLeaseRenewMs: cfg.cacheLeaseRenewMs,
  });
  await lease.start();
  return listen({
    app,
    host: cfg.host,
    port: cfg.port,
    metricsPort: cfg.metricsPort,
    log,
    drainMs: cfg.drainMs,
    // Gone pods must not hold writes back: no hit from here on, and every catalog pod is told so.
    onDrain: () => lease.release(),
    onClose: async () => {
      await Promise.all([catalog.close(), orders.close()]);
      await Promise.all([store.close(), rateLimits.close()]);
    },
  });
});
