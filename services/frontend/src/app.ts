// Builds the frontend's Koa app from its dependencies; main.ts owns listening, connections and shutdown.
import { join } from 'node:path';
import {
  TestGate,
  createBaseApp,
  mount,
  requireBearer,
  type Logger,
  type UpstreamClient,
} from '@bazar/common';
import serve from 'koa-static';
import { booksRouter } from './api/books.routes';
import { FastHits } from './api/fast-hits';
import { CustomerSessions } from './api/customer-session';
import type { RateLimits } from './api/rate-limits';
import { internalRouter } from './api/internal.routes';
import { opsRouter } from './api/ops.routes';
import { ordersRouter } from './api/orders.routes';
import { BookCache } from './domain/book-cache';
import { CacheLease } from './domain/cache-lease';
import type { CacheStore } from './domain/cache-store';
import { Storefront } from './domain/storefront';
import { CatalogGateway } from './gateways/catalog.gateway';
import { OrderGateway } from './gateways/order.gateway';
import { registerCacheMetrics } from './metrics';

export interface FrontendDeps {
  log: Logger;
  podName: string;
  bodyLimit: string;
  /** Budget of every public request (REQUEST_DEADLINE_MS). */
  requestDeadlineMs: number;
  adminToken: string;
  internalToken: string;
  /** Signs the customer session cookie (CUSTOMER_SECRET). */
  customerSecret: string;
  customerCookieSecure: boolean;
  rateLimits: RateLimits;
  /** Proxies in front whose X-Forwarded-* headers are trusted (TRUST_PROXY_HOPS); 0: none. */
  trustProxyHops: number;
  store: CacheStore;
  catalog: UpstreamClient;
  orders: UpstreamClient;
  /** Present only with TEST_HOOKS=true. */
  gate?: TestGate;
  /** How catalog pods reach this pod (SELF_URL): the name it asks for cache leases under. */
  selfUrl: string;
  cacheLeaseRenewMs: number;
}

export interface FrontendApp {
  app: ReturnType<typeof createBaseApp>;
  /** Start it (one round of asking every catalog pod) before listening; stop it on shutdown. */
  lease: CacheLease;
}

export function createApp(deps: FrontendDeps): FrontendApp {
  const needsInternalToken = requireBearer(deps.internalToken);
  const needsAdminToken = requireBearer(deps.adminToken);
  const catalog = new CatalogGateway(deps.catalog);
  const lease: CacheLease = new CacheLease({
    writers: () => catalog.writers(),
    ask: (writer) => catalog.cacheLease(writer, deps.selfUrl, deps.cacheLeaseRenewMs),
    release: (writer) => catalog.releaseCacheLease(writer, deps.selfUrl, deps.cacheLeaseRenewMs),
    renewMs: deps.cacheLeaseRenewMs,
    wipe: (): Promise<void> => cache.wipe(),
    log: deps.log,
  });
  const cache = new BookCache(deps.store, lease, deps.gate);
  const storefront = new Storefront(cache, catalog, new OrderGateway(deps.orders));
  const app = createBaseApp({
    log: deps.log,
    servedBy: deps.podName,
    bodyLimit: deps.bodyLimit,
    deadlineMs: deps.requestDeadlineMs,
    deadlineFromCaller: false, // a public client does not set our budget
    sameOriginWrites: true,
    // The one place the rate limits are counted and the admin's and the catalog pods' tokens are checked, before
    // a body is read.
    guard: async (ctx, next) => {
      await deps.rateLimits.check(ctx);
      if (ctx.path.startsWith('/internal/')) return needsInternalToken(ctx, next);
      if (ctx.method === 'PATCH' && ctx.path.startsWith('/books/')) return needsAdminToken(ctx, next);
      if (ctx.path === '/replicas') return needsAdminToken(ctx, next); // names every pod and its address
      return next();
    },
    ready: async () =>
      deps.catalog.endpoints().length > 0 && deps.orders.endpoints().length > 0 && (await deps.store.ping()),
  });
  mount(app, booksRouter(storefront));
  app.keys = [deps.customerSecret];
  if (deps.trustProxyHops > 0) {
    app.proxy = true;
    app.maxIpsCount = deps.trustProxyHops;
  }
  mount(app, ordersRouter(storefront, new CustomerSessions(deps.adminToken, deps.customerCookieSecure)));
  const gates = deps.gate ? { fill: deps.gate, deaf: new TestGate() } : undefined;
  mount(app, internalRouter(cache, gates));
  const fastHits = new FastHits({
    storefront,
    rateLimits: deps.rateLimits,
    servedBy: deps.podName,
    log: deps.log,
    context: (req, res) => app.createContext(req, res),
  });
  registerCacheMetrics(cache, deps.store, fastHits);
  mount(app, opsRouter({ ...deps, cache }));
  // The storefront: static files, no build step; index.html at `/`.
  app.use(serve(join(__dirname, '../../public'), { index: 'index.html', gzip: false, brotli: false }));
  // Whoever serves the app (lifecycle.ts's listen, a test) asks Koa for its handler: cache hits are answered
  // before it, anything else goes on to it.
  const chain = app.callback.bind(app);
  app.callback = () => fastHits.ahead(chain());
  return { app, lease };
}
