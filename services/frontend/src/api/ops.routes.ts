// Operational endpoints: cache statistics, discovered replicas with their health, the OpenAPI document.
// (/healthz and /readyz come with the base app every service shares; /metrics has its own port.)
import Router from '@koa/router';
import type { UpstreamClient } from '@bazar/common';
import type { BookCache } from '../domain/book-cache';
import type { CacheStore } from '../domain/cache-store';
import { openApiDocument } from './openapi';

export interface OpsDeps {
  cache: BookCache;
  store: CacheStore;
  catalog: UpstreamClient;
  orders: UpstreamClient;
}

export function opsRouter(deps: OpsDeps): Router {
  const router = new Router();

  router.get('/cache/stats', async (ctx) => {
    const c = deps.cache.counters;
    const reads = c.hits + c.misses;
    ctx.body = {
      store: deps.store.kind,
      entries: await deps.store.entries(),
      hits: c.hits,
      misses: c.misses,
      hitRatio: reads === 0 ? 0 : c.hits / reads,
      evictions: await deps.store.evictions(),
      invalidations: c.invalidations,
      staleFillsRejected: c.staleFillsRejected,
    };
  });

  router.get('/replicas', (ctx) => {
    ctx.body = { catalog: deps.catalog.endpoints(), order: deps.orders.endpoints() };
  });

  router.get('/openapi.json', (ctx) => {
    ctx.body = openApiDocument;
  });

  return router;
}
